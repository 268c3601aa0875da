# ---
# jupyter:
#   kernelspec:
x = 1
