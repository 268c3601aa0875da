# %%
a = 1

# %% [markdown]
# x
