# %%
last line