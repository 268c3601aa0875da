#!/usr/bin/env python3
"""train_sklearn.py — a SageMaker script-mode training script, written for
sagetty's tests: nothing in it knows about sagetty.

It reads the CSV files of the "train" channel (SM_CHANNEL_TRAIN; the last
column is the label, the first row a header), trains a logistic regression
epoch by epoch (scikit-learn's SGDClassifier with the log loss, so it can
stop and resume), prints "epoch=N accuracy=A loss=L" after each epoch,
keeps a checkpoint in SM_CHECKPOINT_DIR (default /opt/ml/checkpoints) and
resumes from it, and saves model.pkl in SM_MODEL_DIR.  On an error it
writes the reason to output/failure and exits 1, as SageMaker asks.

Hyperparameters arrive as --key value arguments: --epochs, --learning-rate,
--epoch-seconds (a pause per epoch), --hold (a file: while it exists, the
script waits after each epoch's checkpoint, so a test can interrupt it at a
known point whatever the machine's speed) and --fail (raise this message at
the first epoch).
"""
import argparse
import csv
import glob
import json
import os
import pickle
import sys
import time
import traceback

PREFIX = "/opt/ml"


def env(name, default):
    return os.environ.get(name, default)


def read_channel(folder):
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        with open(path, newline="") as f:
            reader = csv.reader(f)
            next(reader, None)
            rows.extend(r for r in reader if r)
    if not rows:
        raise ValueError("no CSV rows in the train channel %s" % folder)
    x = [[float(v) for v in r[:-1]] for r in rows]
    y = [r[-1] for r in rows]
    return x, y


def save_atomic(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        pickle.dump(obj, f)
    os.replace(tmp, path)


def train(args):
    import numpy as np
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.preprocessing import StandardScaler

    x, y = read_channel(args.train)
    x = StandardScaler().fit_transform(np.array(x))
    classes = sorted(set(y))
    ckpt = os.path.join(args.checkpoints, "checkpoint.pkl")
    clf, first = None, 1
    if os.path.exists(ckpt):
        with open(ckpt, "rb") as f:
            state = pickle.load(f)
        clf, first = state["model"], state["epoch"] + 1
        print("resumed from checkpoint at epoch %d" % state["epoch"], flush=True)
    if clf is None:
        clf = SGDClassifier(loss="log_loss", learning_rate="constant",
                            eta0=args.learning_rate, random_state=0)
    for epoch in range(first, args.epochs + 1):
        if args.fail:
            raise RuntimeError(args.fail)
        clf.partial_fit(x, y, classes=classes)
        acc = accuracy_score(y, clf.predict(x))
        loss = log_loss(y, clf.predict_proba(x), labels=classes)
        print("epoch=%d accuracy=%.4f loss=%.4f" % (epoch, acc, loss), flush=True)
        save_atomic({"model": clf, "epoch": epoch}, ckpt)
        time.sleep(args.epoch_seconds)
        while args.hold and os.path.exists(args.hold):
            time.sleep(0.05)
    save_atomic(clf, os.path.join(args.model_dir, "model.pkl"))
    with open(os.path.join(args.output_data, "contract.json"), "w") as f:
        json.dump({"argv": sys.argv[1:],
                   "env": {k: v for k, v in os.environ.items() if k.startswith("SM_")},
                   "cwd": os.getcwd()}, f)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--learning-rate", type=float, default=0.05)
    p.add_argument("--epoch-seconds", type=float, default=0.0)
    p.add_argument("--hold", default="")
    p.add_argument("--fail", default="")
    p.add_argument("--model-dir", default=env("SM_MODEL_DIR", PREFIX + "/model"))
    p.add_argument("--train", default=env("SM_CHANNEL_TRAIN", PREFIX + "/input/data/train"))
    p.add_argument("--checkpoints", default=env("SM_CHECKPOINT_DIR", PREFIX + "/checkpoints"))
    p.add_argument("--output-data", default=env("SM_OUTPUT_DATA_DIR", PREFIX + "/output/data"))
    args, _ = p.parse_known_args()
    try:
        train(args)
    except Exception as e:
        output = env("SM_OUTPUT_DIR", PREFIX + "/output")
        with open(os.path.join(output, "failure"), "w") as f:
            f.write("%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
        print("training failed: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
