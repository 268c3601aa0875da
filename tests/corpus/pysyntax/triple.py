doc = """first
second ''' not the end
\""" still in
end"""
x = '''a

b''' + r'''\'''
'''never closed
