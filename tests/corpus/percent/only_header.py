# ---
# jupyter:
# ---
