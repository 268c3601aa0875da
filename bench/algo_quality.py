"""algo_quality.py SAGETTY WORKDIR — linear-learner against scikit-learn on the
small real datasets shipped with Debian's python3-sklearn (breast cancer,
wine, iris, diabetes), with the same 70/30 split on both sides.  Prints test
accuracy (classifiers) or R² (regressor) of each.  Run with /usr/bin/python3."""
import csv
import os
import subprocess
import sys

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sagetty, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def write(path, X, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["label"] + [f"f{j}" for j in range(X.shape[1])])
        for row, t in zip(X, y):
            w.writerow([t] + [repr(float(v)) for v in row])


for name, loader, kind in (("breast_cancer", datasets.load_breast_cancer, "binary_classifier"),
                           ("wine", datasets.load_wine, "multiclass_classifier"),
                           ("iris", datasets.load_iris, "multiclass_classifier"),
                           ("diabetes", datasets.load_diabetes, "regressor")):
    X, y = loader(return_X_y=True)
    strat = y if kind != "regressor" else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=strat)
    train, test = f"{work}/{name}-train.csv", f"{work}/{name}-test.csv"
    write(train, Xtr, ytr)
    write(test, Xte, yte)
    model, pred = f"{work}/{name}-model", f"{work}/{name}-pred.csv"
    subprocess.run([sagetty, "algo-run", "linear-learner", "--train", train, "--model-dir", model,
                    "--hp", "target=label", "--hp", f"predictor_type={kind}"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sagetty, "predict", model, test, "-o", pred], check=True,
                   stdout=subprocess.DEVNULL)
    col = "score" if kind == "regressor" else "predicted_label"
    ours = [float(r[col]) for r in csv.DictReader(open(pred))]
    if kind == "regressor":
        peer = make_pipeline(StandardScaler(), LinearRegression()).fit(Xtr, ytr).predict(Xte)
        print(f"{name:14} R²       sagetty {r2_score(yte, ours):.4f}  sklearn {r2_score(yte, peer):.4f}")
    else:
        peer = make_pipeline(StandardScaler(), LogisticRegression()).fit(Xtr, ytr).predict(Xte)
        print(f"{name:14} accuracy sagetty {accuracy_score(yte, ours):.4f}  "
              f"sklearn {accuracy_score(yte, peer):.4f}")
