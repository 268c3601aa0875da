a @= b @ c
x = y ** -z // w % v << 2 >> 1 & 3 | 4 ^ ~5
if a != b and c <= d or not e >= f:
    lambda x: x := 1
f = lambda *args, **kw: ...
