"""algos_peer.py ALGO TRAIN.csv [QUERY.csv] — the Python side of bench/algos_bench.sh.

Reads the CSV with pandas.read_csv (label column y), fits the scikit-learn or
xgboost peer of sagetty's kmeans, pca, knn or xgboost with the settings the
bench uses on both sides, and prints JSON: rows, load_s, train_s and the
quality figures (inertia, explained variance, accuracy on QUERY.csv).
Run with Debian's /usr/bin/python3.
"""
import json
import sys
import time

import numpy as np
import pandas as pd

algo, path = sys.argv[1], sys.argv[2]
query = sys.argv[3] if len(sys.argv) > 3 else None
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2

t0 = time.perf_counter()
df = pd.read_csv(path)
y = df.pop("y").to_numpy()
X = df.to_numpy(dtype="float64")
del df
t1 = time.perf_counter()
res = {"rows": len(y), "load_s": round(t1 - t0, 4)}


def load_query():
    q = pd.read_csv(query)
    qy = q.pop("y").to_numpy()
    return q.to_numpy(dtype="float64"), qy


if algo == "kmeans":
    from sklearn.cluster import KMeans
    t = time.perf_counter()
    km = KMeans(n_clusters=10, n_init=1, random_state=0).fit(X)
    res["train_s"] = round(time.perf_counter() - t, 4)
    res["inertia"] = float(km.inertia_)
    res["iterations"] = int(km.n_iter_)
elif algo == "pca":
    from sklearn.decomposition import PCA
    t = time.perf_counter()
    p = PCA(n_components=5).fit(X)
    res["train_s"] = round(time.perf_counter() - t, 4)
    res["explained_variance"] = p.explained_variance_.tolist()
    res["explained_variance_ratio"] = p.explained_variance_ratio_.tolist()
    # the exact answer, for the quality check (not timed)
    w = np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1]
    res["explained_variance_exact"] = w[:5].tolist()
elif algo == "knn":
    from sklearn.neighbors import KNeighborsClassifier
    Q, qy = load_query()
    t = time.perf_counter()
    c = KNeighborsClassifier(n_neighbors=5).fit(X, y)
    res["train_s"] = round(time.perf_counter() - t, 4)
    t = time.perf_counter()
    pred = c.predict(Q)
    res["predict_s"] = round(time.perf_counter() - t, 4)
    res["queries"] = len(qy)
    res["accuracy"] = float((pred == qy).mean())
elif algo == "xgboost":
    import xgboost as xgb
    t = time.perf_counter()
    d = xgb.DMatrix(X, label=y, nthread=threads)
    b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "nthread": threads},
                  d, 100, evals=[(d, "train")], verbose_eval=False)
    res["train_s"] = round(time.perf_counter() - t, 4)
    if query:
        Q, qy = load_query()
        t = time.perf_counter()
        p = b.inplace_predict(Q)
        res["predict_s"] = round(time.perf_counter() - t, 4)
        res["queries"] = len(qy)
        res["accuracy"] = float(((p > 0.5) == qy).mean())
print(json.dumps(res))
