# %% Load data [raw] tags=["parameters", "x y"] n=3 broken={ title="t"
raw

# %% [md] nested={"a": [1, {"b": " ]"}]}
# md
