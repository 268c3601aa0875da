name = 'x'
print(f'{name!r:>10} {{literal}} {d["k"]}')
print(F"{x:{width}.{prec}f}")
print(rf'{a}\d{b}')
print(f'''{
  value
}''')
f'{'
f'}}}}{{{{'
