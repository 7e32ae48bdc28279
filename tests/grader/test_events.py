"""The grader's side of the channel from a submission's process (grader/host/events.py,
grader/host/run.py): every malformed line is dropped and every malformed result becomes a
plain failure, never an exception in the grader."""
from __future__ import annotations

import json
import os
import time

import pytest

from grader.assignments.registry import get
from grader.host import events
from grader.host.grade import hidden_failure, judge
from grader.host.run import MAX_EVENT_BYTES, _Process

ID = "0123456789abcdef"
GOOD = [{"event": "booted"}, {"event": "ready"},
        {"event": "cell_error", "cell": "answer", "error": "ValueError: x"},
        {"event": "result", "id": ID, "data": {"values": [0.01]}},
        {"event": "result", "id": ID, "data": {"error": "f raised ValueError: x", "kind": "raised",
                                               "type": "ValueError", "own_class": False}}]
# Each line is what student code could write on the events descriptor.
MALFORMED = [
    b"[" * 100_000, b"{" * 100_000, b'{"a":' * 10_000, b"", b"   ", b"null", b"1", b'"ready"',
    b"[]", b'{"event": "ready"', b"\xff\xfe\xfd", b'{"event": "ready"}\x00',
    json.dumps({"event": ["ready"]}).encode(), json.dumps({"event": "rdy"}).encode(),
    json.dumps({"event": None}).encode(), json.dumps({"no_event": 1}).encode(),
    json.dumps({"event": "result", "id": ID}).encode(),
    json.dumps({"event": "result", "data": {}}).encode(),
    json.dumps({"event": "result", "id": [ID], "data": {}}).encode(),
    json.dumps({"event": "result", "id": 7, "data": {}}).encode(),
    json.dumps({"event": "result", "id": "x" * 100, "data": {}}).encode(),
    json.dumps({"event": "result", "id": ID, "data": [1, 2]}).encode(),
    json.dumps({"event": "result", "id": ID, "data": "values"}).encode(),
    json.dumps({"event": "result", "id": ID, "data": None}).encode(),
    b'{"event": "result", "id": "' + ID.encode() + b'", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    json.dumps({"event": "result", "id": ID, "data": {"v": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}}).encode(),
    json.dumps({"event": "cell_error", "cell": ["x"], "error": "e"}).encode(),
    json.dumps({"event": "cell_error", "cell": "x", "error": {"e": 1}}).encode(),
    json.dumps({"event": "cell_error", "cell": "x"}).encode(),
    json.dumps({"event": "cell_error", "cell": "x", "error": "e" * 20_000}).encode(),
    b'{"event": "result", "id": 1e999, "data": {}}', b'{"event": NaN}',
]
# Results whose envelope is an event's but whose failure record is not one.
BAD_FAILURES = [
    {"error": "x", "kind": ["timeout"]}, {"error": "x", "kind": {"k": 1}}, {"error": "x", "kind": None},
    {"error": "x", "kind": "no such kind"}, {"error": "x"}, {"error": ["x"], "kind": "raised"},
    {"error": "x", "kind": "raised", "type": ["OSError"]}, {"error": "x", "kind": "raised", "own_class": "yes"},
    {"error": "x" * 20_000, "kind": "raised"}, {"error": None, "kind": "raised"},
]


@pytest.mark.parametrize("event", GOOD)
def test_an_event_of_the_protocol_is_parsed(event):
    assert events.parse(json.dumps(event).encode()) == event


@pytest.mark.parametrize("line", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_line_is_dropped(line):
    assert events.parse(line) is None


@pytest.mark.parametrize("data", BAD_FAILURES, ids=range(len(BAD_FAILURES)))
def test_a_malformed_failure_record_becomes_a_plain_failure(data):
    assert events.result(data) == events.NOT_A_RESULT
    # and the hidden part's reason is worded from the grader's own kind
    assert hidden_failure(events.result(data)) == (
        "failed (your code's process sent back something that is not a check's result)")


@pytest.mark.parametrize("data", BAD_FAILURES + [{"values": "x"}, {"values": [[1]]}, {}, {"kind": []}],
                         ids=range(len(BAD_FAILURES) + 4))
def test_judging_malformed_data_raises_only_the_students_assertion(data):
    """What a check receives has passed events.result; even data the schema lets through
    (any object without "error") fails the test with a reason, never another exception."""
    with pytest.raises(AssertionError):
        judge(get("schedules").tests["test_scheduler_exp"], {"visible": events.result(data),
                                                  "hidden": events.result(data)})


def test_hidden_failure_never_raises_on_what_a_record_holds():
    for kind in (["list"], {"d": 1}, None, 3, "raised", "unknown"):
        assert hidden_failure({"error": "x", "kind": kind, "type": ["y"]}).startswith("failed")


def test_the_channel_skips_every_malformed_line_and_keeps_the_real_result():
    """The runner's channel, as grader/host/run.py reads it from a pipe: a flood of malformed
    lines (one over the length limit) around the real events."""
    read, write = os.pipe()
    process = _Process(proc=None, events=read, started=time.monotonic(),
                       deadline=time.monotonic() + 30)
    lines = MALFORMED + [b"x" * (MAX_EVENT_BYTES + 10)] + [json.dumps(e).encode() for e in GOOD]
    payload = b"\n".join(lines) + b"\n"
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, payload) if len(payload) < 2**16 else _write_all(write, payload)
        os._exit(0)
    os.close(write)
    got = []
    while True:
        event, why = process.next_event()
        if event is None:
            break
        got.append(event)
    os.waitpid(pid, 0)
    os.close(read)
    assert why == "ended"
    assert got == GOOD[1:]  # "booted" is the process's own, taken as a flag
    assert process.booted


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]
