"""Property: the producer's verdict never raises and gives every frame exactly one fate."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from producer_service import event_limits as L
from producer_service.events import classify, dead_letter
from producer_service.sse_parser import Frame
from tests.event_strategies import events, payloads

ACTIONS = {"raw", "dlq", "filter"}


def _frame(data: bytes) -> Frame:
    return Frame("message", data, "[{}]", len(data))


@settings(max_examples=400, deadline=None)
@given(payloads())
def test_classify_never_raises_and_gives_one_verdict(data):
    verdict, _ = classify(_frame(data), 1_000_000)
    assert verdict.action in ACTIONS
    if verdict.action == "dlq":
        assert verdict.reason and dead_letter(_frame(data), verdict, source="s", received_at=0.0)
    if verdict.action == "raw":  # keyed by meta.id: what bronze MERGEs on
        assert verdict.key and verdict.key == verdict.event_id.encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(events(), min_size=1, max_size=20))
def test_a_valid_verdict_means_what_bronze_relies_on_is_in_range(batch):
    for event in batch:
        data = json.dumps(event).encode()
        verdict, parsed = classify(_frame(data), 1_000_000)
        if verdict.action != "raw":
            continue
        ts = parsed.get("timestamp")
        assert ts is None or L.EARLIEST_EVENT_SECONDS <= ts <= L.INT64_MAX
        assert L.parse_dt(parsed["meta"]["dt"]) is not None
        ns = parsed.get("namespace")
        assert ns is None or L.INT32_MIN <= ns <= L.INT32_MAX
        for pair in ("length", "revision"):
            for side in ("old", "new"):  # other keys are not bronze's business
                v = (parsed.get(pair) or {}).get(side)
                assert v is None or 0 <= v <= L.INT64_MAX
