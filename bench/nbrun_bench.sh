#!/bin/sh
# nbrun_bench.sh [CELLS] [REPS] — headless notebook execution against
# Debian's nbclient on the same kernel.
#
# Generates a notebook of CELLS (default 50) trivial code cells, then times,
# alternating, REPS (default 5) runs of
#   nbclient — /usr/bin/python3 running nbclient.NotebookClient (the engine
#              under papermill and `jupyter nbconvert --execute`): read the
#              notebook, start the kernel, execute, write the result;
#   sagetty  — `sagetty nb run NB -o OUT --no-record`.
# Both start the same kernelspec (a private one under JUPYTER_PATH whose
# argv is /usr/bin/python3 -m ipykernel_launcher), so the kernel is the same
# and only the client differs.  Prints the medians and the ratio
# sagetty/nbclient.  Target (notebooks issue): ≤ 0.7.
#
# Environment: SAGETTY (default: ./sagetty, then the build tree's).  Not part
# of `make check`.
set -eu
cells=${1:-50}
reps=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
sg=${SAGETTY:-$(pwd)/sagetty}
[ -x "$sg" ] || sg=$here/../b/sagetty
[ -x "$sg" ] || { echo "nbrun_bench: set SAGETTY to the built binary" >&2; exit 2; }
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/sagetty-nbrun-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/jp/kernels/benchpy" "$work/rt"
chmod 700 "$work/rt"
cat > "$work/jp/kernels/benchpy/kernel.json" <<JSON
{"argv": ["$py", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (bench)", "language": "python"}
JSON
export JUPYTER_PATH="$work/jp" XDG_RUNTIME_DIR="$work/rt"
# Same conditions for both: no debugger warnings, no per-user IPython profile.
export PYDEVD_DISABLE_FILE_VALIDATION=1 IPYTHONDIR="$work/ipython"

"$py" - "$work/nb.ipynb" "$cells" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
cells = [{"cell_type": "code", "id": "c%03d" % i, "metadata": {}, "execution_count": None,
          "outputs": [], "source": "x%d = %d * 2\nx%d" % (i, i, i)} for i in range(n)]
nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
      "metadata": {"kernelspec": {"name": "benchpy", "display_name": "Python 3 (bench)",
                                  "language": "python"}}}
json.dump(nb, open(path, "w"))
PY
cat > "$work/peer.py" <<'PY'
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="benchpy", timeout=600).execute()
nbformat.write(nb, sys.argv[2])
PY

now() { "$py" -c 'import time; print("%.6f" % time.time())'; }
: > "$work/peer.txt"
: > "$work/sg.txt"
i=0
while [ "$i" -lt "$reps" ]; do
	t0=$(now); "$py" "$work/peer.py" "$work/nb.ipynb" "$work/peer.ipynb"; t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >> "$work/peer.txt"
	t0=$(now); "$sg" nb run "$work/nb.ipynb" -o "$work/sg.ipynb" --no-record --no-progress 2>/dev/null; t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.4f\n", $2 - $1 }' >> "$work/sg.txt"
	i=$((i + 1))
done
"$py" - "$work" "$cells" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
peer = [float(x) for x in open(work + "/peer.txt")]
sg = [float(x) for x in open(work + "/sg.txt")]
a, b = json.load(open(work + "/peer.ipynb")), json.load(open(work + "/sg.ipynb"))
outs = lambda nb: [c["outputs"][0]["data"]["text/plain"] for c in nb["cells"]]
assert outs(a) == outs(b), "outputs differ"
mp, ms = statistics.median(peer), statistics.median(sg)
print("cells %d, repetitions %d (alternating)" % (n, len(sg)))
print("nbclient  median %.3f s  (min %.3f, max %.3f)" % (mp, min(peer), max(peer)))
print("sagetty   median %.3f s  (min %.3f, max %.3f)" % (ms, min(sg), max(sg)))
print("ratio sagetty/nbclient %.2f  (target <= 0.70)" % (ms / mp))
PY
