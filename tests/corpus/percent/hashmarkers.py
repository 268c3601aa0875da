#%%
a
#%% [markdown]
# b
# %%x not a marker
#  %% not either
