# only a comment
x = 1 # trailing
s = '# not a comment'
#!/usr/bin/env python3
# -*- coding: utf-8 -*-
