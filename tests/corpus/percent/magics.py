# %%
# %matplotlib inline
# # %not magic?
# !pip list
# # # %%
print(1)
