"""Hypothesis strategies: recentchange events with extreme values, and raw payloads around them.

Field names and types follow Wikimedia's ``mediawiki/recentchange`` JSON schema 1.0.1
(wikimedia/schemas-event-primary, commit 43aeb4ab; only ``meta`` is required, ``id``,
``log_id``, ``length.*`` and ``revision.*`` may be null, ``log_params`` is an array, object or
string). The schema repository carries no licence, so it is not copied: the table below is the
project's own. Each field is mostly of its schema type with values at and beyond the limits
bronze relies on, sometimes of a wrong type, null or missing. Base events are the recorded ones
in tests/fixtures/producer/both_envelopes.ndjson.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import strategies as st

from producer_service import event_limits as L

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "producer"
BASES = [json.loads(x) for x in (FIXTURES / "both_envelopes.ndjson").read_text().splitlines() if x]
_NOW = int(time.time())

_EDGE_INTS = [
    0, -1, 1, L.INT32_MAX, L.INT32_MAX + 1, L.INT32_MIN, L.INT32_MIN - 1, 2**53, -(2**53),
    L.INT64_MAX, L.INT64_MAX + 1, L.INT64_MIN, L.INT64_MIN - 1, 2**64 - 1, 2**64, 10**13, -(10**13),
    10**30, -(10**30),
]  # fmt: skip
_EDGE_TIMES = [
    L.EARLIEST_EVENT_SECONDS - 1, L.EARLIEST_EVENT_SECONDS, _NOW, _NOW + L.MAX_FUTURE_SECONDS - 60,
    _NOW + L.MAX_FUTURE_SECONDS + 60, 10_000_000_000_000, -10_000_000_000_000, 253402300800,
    -62135596800, 0, 1_520_439_377,
]  # fmt: skip

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
anything = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
extreme_int = st.sampled_from(_EDGE_INTS) | st.integers(-(2**70), 2**70) | st.integers(-5, 5)
event_seconds = st.sampled_from(_EDGE_TIMES) | st.integers(
    L.EARLIEST_EVENT_SECONDS - 86_400, _NOW + 2 * L.MAX_FUTURE_SECONDS
)


@st.composite
def dt_text(draw) -> str:
    """meta.dt: RFC 3339 around the window's edges in several spellings, or not a time at all."""
    kind = draw(st.sampled_from(["time"] * 8 + ["text", "odd"]))
    if kind == "text":
        return draw(text)
    if kind == "odd":
        return draw(st.sampled_from(["", "garbage", "2018-03-07", "+99999-01-01T00:00:00Z",
                                     "2018-03-07T16:16:17", "2018-03-07 16:16:17Z",
                                     "2018-03-07T16:16:17+20:00", "2018-03-07T24:00:00Z",
                                     "0000-01-01T00:00:00Z", "2018-02-30T00:00:00Z"]))  # fmt: skip
    seconds = draw(
        event_seconds.filter(lambda s: -62135596800 + 2 * 86_400 < s < 253402300800 - 2 * 86_400)
    )
    offset = timedelta(minutes=draw(st.integers(-18 * 60, 18 * 60)))
    when = datetime.fromtimestamp(seconds, UTC).astimezone(timezone(offset))
    when += timedelta(microseconds=draw(st.sampled_from([0, 1, 999_999])))
    out = when.isoformat()
    return out.replace("+00:00", "Z") if draw(st.booleans()) else out


def _maybe(value: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly ``value``; sometimes null, a wrong type or missing (the sentinel ``...``)."""
    return st.one_of(value, value, value, st.none(), anything, st.just(...))


_FIELDS = {
    "id": _maybe(extreme_int),
    "log_id": _maybe(extreme_int),
    "namespace": _maybe(extreme_int),
    "timestamp": _maybe(event_seconds | extreme_int),
    "type": _maybe(st.sampled_from(["edit", "new", "log", "categorize", "external", "", "Edit"])),
    "title": _maybe(text),
    "user": _maybe(text),
    "comment": _maybe(text),
    "wiki": _maybe(st.sampled_from(["enwiki", "wikidatawiki", ""]) | text),
    "bot": _maybe(st.booleans()),
    "minor": _maybe(st.booleans()),
    "patrolled": _maybe(st.booleans()),
    "length": _maybe(st.fixed_dictionaries({}, optional={"old": _maybe(extreme_int),
                                                        "new": _maybe(extreme_int)})),
    "revision": _maybe(st.fixed_dictionaries({}, optional={"old": _maybe(extreme_int),
                                                          "new": _maybe(extreme_int)})),
    "log_params": _maybe(anything),
}  # fmt: skip
_META = {
    "id": _maybe(st.uuids().map(str) | text),
    "dt": _maybe(dt_text()),
    "domain": _maybe(st.sampled_from(["en.wikipedia.org", "canary", ""]) | text),
    "stream": _maybe(st.just("mediawiki.recentchange")),
}


def _drop_missing(value):
    if isinstance(value, dict):
        return {k: _drop_missing(v) for k, v in value.items() if v is not ...}
    return value


@st.composite
def events(draw) -> dict:
    """A recorded event with some fields replaced by extreme, wrong, null or missing values."""
    event = json.loads(json.dumps(draw(st.sampled_from(BASES))))
    for name in draw(st.sets(st.sampled_from(sorted(_FIELDS)), max_size=6)):
        event[name] = draw(_FIELDS[name])
    meta = event.get("meta")
    if draw(st.sampled_from([False] * 9 + [True])):
        event["meta"] = draw(anything)
    elif isinstance(meta, dict):
        for name in draw(st.sets(st.sampled_from(sorted(_META)), max_size=3)):
            meta[name] = draw(_META[name])
    return _drop_missing(event)


@st.composite
def payloads(draw) -> bytes:
    """Kafka/SSE payload bytes: mostly a JSON event, sometimes cut, mangled or not JSON at all."""
    data = json.dumps(draw(events()), ensure_ascii=draw(st.booleans())).encode()
    kind = draw(st.sampled_from(["event"] * 16 + ["cut", "bytes", "other", "bad-utf8"]))
    if kind == "cut":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    if kind == "other":
        return json.dumps(draw(anything)).encode()
    if kind == "bad-utf8":
        cut = draw(st.integers(0, len(data)))
        return data[:cut] + b"\xff" + data[cut:]
    return data
