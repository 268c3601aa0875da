"""nbpane_peer.py — the peer for opening a notebook: what the Jupyter server
does before a browser can draw anything (nbformat.read, which parses and
upgrades, then nbformat.validate against the schema).

usage: python3 nbpane_peer.py NOTEBOOK [REPEATS]   prints open_p50_ms"""
import sys
import time

import nbformat


def main():
    path = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        with open(path, encoding="utf-8") as f:
            nb = nbformat.read(f, as_version=4)
        nbformat.validate(nb)
        ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    print("open_p50_ms %.3f" % ms[len(ms) // 2])


main()
