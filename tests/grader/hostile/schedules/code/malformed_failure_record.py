# ---
# case = "malformed_failure_record"
# attack = """
# The same malformed replies, then in a hidden call a forged failure record of the
# wrong types (its kind a list; it once crashed the grader): it fails only this
# student's test, with a plain reason."""
# points = 7  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "hidden tests: failed (your code's process sent back something that is not a check's result)"
# ---
# %% answer_scheduler_exp
KIND = ['timeout']

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

