
%% #impor

# %% ~ = 1
