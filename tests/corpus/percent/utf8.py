# %% 제목 [markdown]
# 😀 ü

# %%
s = ' '
