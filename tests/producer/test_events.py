import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from producer_service.events import classify, dead_letter
from producer_service.sse_parser import Frame

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "producer"


def _good() -> dict:
    return json.loads((FIXTURES / "valid_event.json").read_text())


def _frame(data, event="message", **kw) -> Frame:
    raw = data if isinstance(data, bytes) else orjson.dumps(data)
    return Frame(event, raw, "[{}]", kw.pop("size", len(raw)), **kw)


def test_valid_events_of_both_envelopes_are_keyed_by_meta_id():
    for line in (FIXTURES / "both_envelopes.ndjson").read_bytes().splitlines():
        verdict, event = classify(_frame(line), 1_000_000)
        assert verdict.action == "raw", verdict
        assert verdict.key == event["meta"]["id"].encode()


def test_canary_is_filtered_with_its_time():
    e = _good()
    e["meta"]["domain"] = "canary"
    verdict, _ = classify(_frame(e), 1_000_000)
    assert (verdict.action, verdict.reason, verdict.dt) == ("filter", "canary", e["meta"]["dt"])


@pytest.mark.parametrize(
    "mutate, reason, detail",
    [
        (lambda e: e["meta"].pop("id"), "missing_field", "meta.id"),
        (lambda e: e["meta"].__setitem__("id", 5), "wrong_type", "meta.id"),
        (lambda e: e.pop("meta"), "missing_field", "meta"),
        (lambda e: e["meta"].__setitem__("dt", "yesterday"), "invalid_value", "meta.dt"),
        (lambda e: e.__setitem__("type", "bogus"), "invalid_value", "type"),
        (lambda e: e.pop("wiki"), "missing_field", "wiki"),
        (lambda e: e.__setitem__("namespace", "0"), "wrong_type", "namespace"),
        (lambda e: e.__setitem__("namespace", True), "wrong_type", "namespace"),
        (lambda e: e.__setitem__("bot", "false"), "wrong_type", "bot"),
        (lambda e: e.__setitem__("length", {"old": "1", "new": 2}), "wrong_type", "length.old"),
        (lambda e: e.__setitem__("revision", [1, 2]), "wrong_type", "revision"),
        # ranges bronze relies on (issue #10: timestamp 10000000000000 halted bronze)
        (lambda e: e.__setitem__("timestamp", 10_000_000_000_000), "invalid_value", "timestamp="),
        (lambda e: e.__setitem__("timestamp", 978_307_199), "invalid_value", "timestamp="),
        (lambda e: e["meta"].__setitem__("dt", "2000-12-31T23:59:59Z"), "invalid_value", "meta.dt"),
        (lambda e: e["meta"].__setitem__("dt", "9999-01-01T00:00:00Z"), "invalid_value", "meta.dt"),
        (lambda e: e["meta"].__setitem__("dt", "2018-03-07"), "invalid_value", "RFC 3339"),
        (
            lambda e: e["meta"].__setitem__("dt", "2018-03-07T16:16:17+20:00"),
            "invalid_value",
            "RFC",
        ),
        (lambda e: e.__setitem__("namespace", 2**31), "invalid_value", "namespace"),
        (lambda e: e.__setitem__("id", 2**63), "invalid_value", "id is outside the 64-bit"),
        (lambda e: e.__setitem__("log_id", 2**64 - 1), "invalid_value", "log_id"),
        (lambda e: e.__setitem__("length", {"old": -1, "new": 2}), "invalid_value", "length.old"),
        (lambda e: e.__setitem__("revision", {"new": 2**63}), "invalid_value", "revision.new"),
    ],
)
def test_invalid_events_are_dead_lettered_with_reason(mutate, reason, detail):
    e = _good()
    mutate(e)
    verdict, _ = classify(_frame(e), 1_000_000)
    assert verdict.action == "dlq"
    assert verdict.reason == reason and detail in verdict.detail


@pytest.mark.parametrize(
    "frame, reason",
    [
        (_frame(b"{not json"), "invalid_json"),
        (_frame(b'{"a": "\xff"}'), "invalid_utf8"),
        (_frame(b"[1, 2]"), "not_an_object"),
        (_frame(b'{"meta": {"id": "x"'), "invalid_json"),
        (_frame(b'{"meta": {"id": "x"', truncated=True), "truncated_frame"),
        (_frame(b"{}", event="error"), "unexpected_event_type"),
        (_frame(b"x" * 10, oversized=True, size=2_000_000), "oversized"),
    ],
)
def test_unparseable_frames(frame, reason):
    verdict, _ = classify(frame, 1_000_000)
    assert (verdict.action, verdict.reason) == ("dlq", reason)


def test_dead_letter_envelope_keeps_raw_bytes():
    frame = _frame(b'{"a": "\xff"}')
    verdict, _ = classify(frame, 1_000_000)
    env = orjson.loads(dead_letter(frame, verdict, source="http://x", received_at=0.0))
    assert env["reason"] == "invalid_utf8" and env["raw_encoding"] == "base64"
    assert base64.b64decode(env["raw"]) == frame.data
    assert env["sse_id"] == "[{}]" and env["received_at"].startswith("1970-01-01T00:00:00")
    ok = _frame(b"{oops")
    env = orjson.loads(dead_letter(ok, classify(ok, 1)[0], source="s", received_at=1.0))
    assert env["raw"] == "{oops" and env["raw_encoding"] == "utf-8"


def test_limits_hold_at_their_edges():
    """The window is closed: 2001-01-01T00:00:00Z and now + 1 day are both accepted."""
    now = 1_700_000_000
    for ts, ok in [(978_307_200, True), (now + 86_400, True), (now + 86_401, False)]:
        e = _good()
        e["timestamp"] = ts
        e["meta"]["dt"] = datetime.fromtimestamp(ts, UTC).isoformat()
        e["namespace"] = -(2**31)
        e["length"] = {"old": 0, "new": 2**63 - 1}
        verdict, _ = classify(_frame(e), 1_000_000, now=now)
        assert (verdict.action == "raw") is ok, verdict


def test_json_that_sparks_reader_rejects_is_dead_lettered():
    e = _good()
    e["log_params"] = [[[[[]]]]]
    assert classify(_frame(e), 1_000_000)[0].action == "raw"
    nested = _good()
    nested["log_params"] = json.loads("[" * 100 + "]" * 100)
    long_number = orjson.dumps(_good())[:-1] + b', "x": 0.' + b"1" * 1001 + b"}"
    for frame in (_frame(nested), _frame(long_number)):
        verdict, _ = classify(frame, 1_000_000)
        assert (verdict.action, verdict.reason) == ("dlq", "invalid_json"), verdict
