# %%
name = 'café'
