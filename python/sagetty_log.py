"""sagetty_log — log metrics, params and tags to a sagetty run (stdlib only).

Under ``sagetty runs exec`` the program's environment names a run
(SAGETTY_RUN_ID) and a pipe (SAGETTY_METRICS_FD); each call here writes
line-protocol text to that pipe with one write(2), so the points reach the
store within a fraction of a second and the call costs microseconds::

    import sagetty_log as sg
    sg.log_param("lr", 0.01)
    for step in range(100):
        sg.log_metric("loss", loss, step=step)
    sg.log_metrics({"acc": 0.91, "f1": 0.88}, step=99)
    sg.log_tag("model", "resnet")

Without the pipe (a notebook, a script started by hand), records are buffered
and handed in batches to ``sagetty log lines --run RUN`` (on flush(), at
exit, and every 1,000 records or 2 seconds), where RUN is set_run(RUN) or
$SAGETTY_RUN_ID; the sagetty program is $SAGETTY_BIN or ``sagetty`` on PATH.

``runs exec`` puts this module's folder on PYTHONPATH; elsewhere add
``$(pkgdatadir)/python`` (e.g. /usr/local/share/sagetty/python) to
PYTHONPATH or sys.path.
"""

import atexit
import math
import os
import subprocess
import time

__all__ = ["log_metric", "log_metrics", "log_param", "log_tag", "flush", "set_run"]

_fd = None
_run = os.environ.get("SAGETTY_RUN_ID") or None
_pending = []
_last_flush = time.monotonic()
_BATCH_RECORDS = 1000
_BATCH_SECONDS = 2.0

try:
    _fd = int(os.environ["SAGETTY_METRICS_FD"])
    os.fstat(_fd)
except (KeyError, ValueError, OSError):
    _fd = None


def set_run(run):
    """Logs to run (an id, unique prefix or name) instead of $SAGETTY_RUN_ID."""
    global _run
    flush()
    _run = str(run)


def _key(key):
    key = str(key)
    if not key or any(c.isspace() for c in key):
        raise ValueError("sagetty_log: a metric key needs no spaces: %r" % key)
    return key


def _number(value):
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def _text(value):
    s = str(value).replace("\r", " ").replace("\n", " ").strip()
    if not s:
        raise ValueError("sagetty_log: empty value")
    return s


def _step(step):
    if step is None:
        return ""
    step = int(step)
    if step < 0:
        raise ValueError("sagetty_log: step must be >= 0")
    return " step=%d" % step


def _emit(lines):
    if _fd is not None:
        data = "".join(lines).encode("utf-8")
        while data:
            n = os.write(_fd, data)
            data = data[n:]
        return
    _pending.extend(lines)
    if len(_pending) >= _BATCH_RECORDS or time.monotonic() - _last_flush >= _BATCH_SECONDS:
        flush()


def log_metric(key, value, step=None):
    """Logs one point; without step, the next step of that key."""
    _emit(["%s %s%s\n" % (_key(key), _number(value), _step(step))])


def log_metrics(metrics, step=None):
    """Logs several metrics (a dict) at one step, in one write."""
    suffix = _step(step)
    _emit(["%s %s%s\n" % (_key(k), _number(v), suffix) for k, v in metrics.items()])


def log_param(key, value):
    _emit(["param %s %s\n" % (_key(key), _text(value))])


def log_tag(key, value):
    _emit(["tag %s %s\n" % (_key(key), _text(value))])


def flush():
    """Hands buffered records to `sagetty log lines` (a no-op under runs exec)."""
    global _last_flush
    _last_flush = time.monotonic()
    if not _pending:
        return
    if not _run:
        del _pending[:]
        raise RuntimeError("sagetty_log: no run: call set_run(RUN), set SAGETTY_RUN_ID, "
                           "or start the program with `sagetty runs exec`")
    data = "".join(_pending).encode("utf-8")
    del _pending[:]
    argv = [os.environ.get("SAGETTY_BIN") or "sagetty", "log", "lines", "--run", _run]
    subprocess.run(argv, input=data, check=True)


def _at_exit():
    try:
        flush()
    except Exception as e:  # at exit there is no caller left to raise to
        import sys
        sys.stderr.write("sagetty_log: %s\n" % e)


atexit.register(_at_exit)
