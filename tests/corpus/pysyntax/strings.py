a = 'it''s'
b = "esc \" \n \x41 \N{BULLET}"
c = r'\d+\'' + rb"\x00" + Rb'' + BR""
d = u'ü' + U"x"
e = 'unterminated
f = "cont \
  inues"
