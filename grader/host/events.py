"""What the grader accepts from a submission's process: one JSON line per event,
checked against a schema before anything reads it.

The process runs student code, and student code can write anything on the events
descriptor (:mod:`grader.inside.runner`'s own ``emit`` included, with a request id it found
in the runner's frames). So a line is only ever parsed into plain data, bounded in
size (:data:`grader.host.run.MAX_EVENT_BYTES`) and depth, and each event and each failure
record must have the types the grader relies on; anything else is not an event (the
line is dropped) or not a result (the call fails with a plain reason). Nothing a
submission sends can raise in the grader.
"""
from __future__ import annotations

import json

import jsonschema

# Deeper than any result a probe returns (a 1cycle run's rates, a model's outputs).
MAX_DEPTH = 16
TEXT = {"type": "string", "maxLength": 10_000}
# The kinds of failure the runner and the probes report (grader.inside.runner, grader.inside.probes,
# grader.inside.model_probes) and grader.host.run adds; a hidden part's reason is worded from them.
KINDS = ("raised", "timeout", "timeout_process", "not_number", "missing", "quota", "died",
         "killed", "unreadable", "failed", "submission", "malformed")
# The kinds that say a limit stopped the submission (the class report lists them).
LIMIT_KINDS = ("timeout", "timeout_process", "quota", "killed")
FAILURE = {"type": "object", "required": ["error", "kind"],
           "properties": {"error": TEXT, "kind": {"enum": list(KINDS)},
                          "type": {"type": ["string", "null"], "maxLength": 100},
                          "own_class": {"type": "boolean"}}}
EVENT = {
    "type": "object", "required": ["event"],
    "properties": {"event": {"enum": ["booted", "cell_error", "ready", "result"]}},
    "allOf": [
        {"if": {"properties": {"event": {"const": "cell_error"}}},
         "then": {"required": ["cell", "error"], "properties": {"cell": TEXT, "error": TEXT}}},
        {"if": {"properties": {"event": {"const": "result"}}},
         "then": {"required": ["id", "data"],
                  "properties": {"id": {"type": "string", "maxLength": 64},
                                 "data": {"type": "object"}}}},
    ],
}
_EVENT = jsonschema.Draft202012Validator(EVENT)
_FAILURE = jsonschema.Draft202012Validator(FAILURE)
NOT_A_RESULT = {"error": "the submission's process sent back data that is not a check's result",
                "kind": "malformed"}


def depth(value) -> int:
    """How deeply ``value``'s lists and objects nest (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in
                         (item.values() if isinstance(item, dict) else item))
    return deepest


def parse(line: bytes) -> dict | None:
    """The event on ``line``, or None if it is not one."""
    try:
        event = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(event, dict) or depth(event) > MAX_DEPTH or not _EVENT.is_valid(event):
        return None
    return event


def result(data) -> dict:
    """A result as the grader may use it: a probe's data, or a failure record whose
    fields have their types (anything else becomes :data:`NOT_A_RESULT`)."""
    if not isinstance(data, dict):
        return dict(NOT_A_RESULT)
    if "error" in data and not _FAILURE.is_valid(data):
        return dict(NOT_A_RESULT)
    return data
