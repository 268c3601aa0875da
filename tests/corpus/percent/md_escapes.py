# %% [markdown]
# \%% kept
# \\%% two
not commented
#no space
