"""algo_peer.py CSV — the scikit-learn side of bench/algo_bench.sh.

Reads the CSV with pandas.read_csv (label column y), fits
LogisticRegression(solver="lbfgs") with its defaults, and prints JSON: rows,
load_s, train_s, accuracy on the same rows.  Run with Debian's /usr/bin/python3.
"""
import json
import sys
import time

import pandas as pd
from sklearn.linear_model import LogisticRegression

t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
y = df.pop("y").to_numpy()
X = df.to_numpy(dtype="float64")
del df
t1 = time.perf_counter()
clf = LogisticRegression(solver="lbfgs").fit(X, y)
t2 = time.perf_counter()
acc = float((clf.predict(X) == y).mean())
print(json.dumps({"rows": len(y), "load_s": round(t1 - t0, 4), "train_s": round(t2 - t1, 4),
                  "accuracy": round(acc, 6), "iterations": int(clf.n_iter_[0])}))
