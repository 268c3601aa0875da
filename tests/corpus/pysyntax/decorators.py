@property
@functools.lru_cache(maxsize=None)
  @ weird
@
def f(): pass
class
def
class A: pass
async def g(): await h()
