"""algos_small.py write DIR | run DIR — small real datasets for bench/algos_bench.sh.

write: splits iris, wine and breast_cancer (shipped inside Debian's python3-sklearn)
       70/30, stratified, random_state=0, into DIR/NAME-train.csv and
       DIR/NAME-test.csv (header y,f1..fN), the same files both sides read.
run:   prints one JSON line per dataset and algorithm with the peer's figures:
       knn (k=5) and xgboost (50 rounds, hist) test accuracy, kmeans (k = classes,
       n_init=10) train inertia, pca (2 components) explained variance ratios.
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

NAMES = {"iris": datasets.load_iris, "wine": datasets.load_wine,
         "breast_cancer": datasets.load_breast_cancer}
mode, out = sys.argv[1], sys.argv[2]

if mode == "write":
    for name, load in NAMES.items():
        X, y = load(return_X_y=True)
        parts = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        for part, (Xp, yp) in (("train", parts[0::2]), ("test", parts[1::2])):
            df = pd.DataFrame(Xp, columns=[f"f{j + 1}" for j in range(X.shape[1])])
            df.insert(0, "y", yp)
            df.to_csv(f"{out}/{name}-{part}.csv", index=False, float_format="%.17g")
    sys.exit(0)

import xgboost as xgb
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

for name in NAMES:
    tr = pd.read_csv(f"{out}/{name}-train.csv")
    te = pd.read_csv(f"{out}/{name}-test.csv")
    y, ty = tr.pop("y").to_numpy(), te.pop("y").to_numpy()
    X, T = tr.to_numpy(dtype="float64"), te.to_numpy(dtype="float64")
    k = len(np.unique(y))
    acc = float((KNeighborsClassifier(5).fit(X, y).predict(T) == ty).mean())
    params = {"tree_method": "hist", "objective": "binary:logistic" if k == 2 else "multi:softprob"}
    if k > 2:
        params["num_class"] = k
    b = xgb.train(params, xgb.DMatrix(X, label=y), 50)
    p = b.predict(xgb.DMatrix(T))
    pred = (p > 0.5).astype(int) if k == 2 else p.argmax(axis=1)
    inertia = float(KMeans(n_clusters=k, n_init=10, random_state=0).fit(X).inertia_)
    ratio = PCA(n_components=2, svd_solver="full").fit(X).explained_variance_ratio_.tolist()
    print(json.dumps({"dataset": name, "classes": k, "knn_accuracy": acc,
                      "xgboost_accuracy": float((pred == ty).mean()),
                      "kmeans_inertia": inertia, "pca_ratio": ratio}))
