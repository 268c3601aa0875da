"""agree_peer.py DATA.csv — Cohen's kappa with scikit-learn on the annotations
written by agree_driver (item,annotator,label), for bench/agree_bench.sh.

Prints the kappa of annotators 0 and 1 on the items both labeled (to check
sagetty's value) and the time scikit-learn takes for every annotator pair
(the items x annotators table built with pandas, then cohen_kappa_score on
each pair's co-labeled items) — what a user would write without sagetty."""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score


def main():
    df = pd.read_csv(sys.argv[1])
    t0 = time.perf_counter()
    wide = df.pivot_table(index="item", columns="annotator", values="label", aggfunc="last")
    cols = list(wide.columns)
    values = wide.to_numpy()
    kappas = {}
    for x in range(len(cols)):
        for y in range(x + 1, len(cols)):
            both = ~np.isnan(values[:, x]) & ~np.isnan(values[:, y])
            if both.any():
                kappas[(cols[x], cols[y])] = cohen_kappa_score(values[both, x], values[both, y])
    elapsed = time.perf_counter() - t0
    k01 = kappas.get((0, 1), float("nan"))
    print("peer_pair01 kappa %.12f" % k01)
    print("peer_pairs %d seconds %.3f" % (len(kappas), elapsed))


if __name__ == "__main__":
    main()
