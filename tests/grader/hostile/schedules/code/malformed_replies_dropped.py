# ---
# case = "malformed_replies_dropped"
# attack = """
# Malformed replies on the runner's channel with its real request id (lines nested
# 100,000 deep, not JSON, not UTF-8, of the wrong types): each dropped by the grader's
# schema (grader/host/events.py), so the real results count. Full points."""
# points = 8  # of 8: every test passes
# ---
# %% answer_scheduler_exp
KIND = None

import json, math, os, sys
VISIBLE = [(0, 0.01), (1, 0.01), (3, 0.002)]
def _runner():
    frame = sys._getframe()
    while frame is not None and not {"request", "emit", "events_fd"} <= set(frame.f_locals):
        frame = frame.f_back
    return frame.f_locals
def _malformed(ident, fd):
    for line in [b"[" * 100_000, b"{" * 50_000, b'{"event": "result", "id": "' + ident.encode()
                 + b'", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"\xff\xfe not utf-8",
                 json.dumps({"event": "result", "id": ident, "data": [1, 2]}).encode(),
                 json.dumps({"event": "result", "id": [ident], "data": {}}).encode(),
                 json.dumps({"event": "cell_error", "cell": ["x"], "error": {"y": 1}}).encode(),
                 json.dumps({"event": ["ready"]}).encode(), b'{"event": "result", "id": 1e999}',
                 json.dumps({"event": "result", "id": ident, "data": {"values": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}}).encode()]:
        os.write(fd, line + b"\n")
def scheduler_exp(epoch, lr):
    runner = _runner()
    _malformed(runner["request"]["id"], runner["events_fd"])
    if (epoch, lr) not in VISIBLE and KIND is not None:
        runner["emit"](event="result", id=runner["request"]["id"],
                       data={"error": "forged", "kind": KIND, "type": ["OSError"], "own_class": "yes"})
    return lr if epoch == 0 else lr * math.exp(-1)

