# %%
import numpy as np

# %% [markdown]
# # Title
#
# text

# %%
x = 1
