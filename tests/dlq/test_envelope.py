"""Reading both writers' envelopes back, and the re-drive verdicts, without a broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.dlq.events import bronze_letter, event_bytes, producer_letter
from wikistream_dagster.dlq.envelope import (
    TRUNCATED,
    UNDECODABLE,
    UNREADABLE,
    Selection,
    parse_record,
    parse_since,
)
from wikistream_dagster.dlq.redrive import RedriveResult, redrive
from wikistream_dagster.dlq.show import summarize

FIXED = "00000000-0000-4000-8000-000000000001"


def letter(key_value, offset=0):
    key, value = key_value
    return parse_record(key, value, 0, offset, 1_764_600_000_000 + offset)


def test_a_producer_envelope_gives_back_its_exact_bytes():
    data = event_bytes(FIXED)
    d = letter(producer_letter(data, "oversized", "900 bytes > limit 512"))
    assert (d.writer, d.reason, d.key, d.event_id) == ("producer", "oversized", FIXED, FIXED)
    assert d.source.startswith("https://") and d.received().year == 2025
    assert d.payload() == (data, "")


def test_a_sample_cut_at_the_dlq_limit_or_a_cut_frame_is_not_a_payload():
    big = letter(producer_letter(event_bytes(FIXED, pad=70_000), "oversized"))
    assert big.raw_truncated and big.payload() == (None, TRUNCATED)
    cut = letter(producer_letter(b'{"meta": {"id": "a"', "truncated_frame"))
    assert cut.payload() == (None, TRUNCATED)
    key, value = bronze_letter(b'{"a": 1}', "invalid_json", "x", 3)
    short = json.loads(value) | {"raw_bytes": 99}  # size disagrees with the kept text
    assert parse_record(key, json.dumps(short).encode(), 0, 0, 0).payload() == (None, TRUNCATED)


def test_a_bronze_envelope_with_base64_raw_decodes_and_a_non_envelope_is_unreadable():
    raw = b'{"meta": "\xff"}'
    d = letter(bronze_letter(raw, "invalid_utf8", "not UTF-8", 5))
    assert (d.writer, d.key, d.source) == ("bronze", "raw-events-0-5", "kafka://raw-events/0/5")
    assert d.event_id is None and d.payload() == (raw, "")
    junk = parse_record(None, b"not json", 0, 9, 0)
    assert (junk.writer, junk.reason, junk.payload()) == (
        "unknown",
        UNREADABLE,
        (None, UNDECODABLE),
    )


def test_selection_by_reason_writer_and_time():
    p = letter(producer_letter(event_bytes(FIXED), "oversized"))  # received 2025-12-01T14:40Z
    b = letter(bronze_letter(b"{}", "invalid_json", "x", 1))  # 2025-12-01T14:40:00.123456Z
    assert Selection(frozenset({"oversized"})).matches(p) and not Selection(
        frozenset({"invalid_json"})
    ).matches(p)
    assert Selection(writers=frozenset({"bronze"})).matches(b)
    assert not Selection(writers=frozenset({"bronze"})).matches(p)
    assert parse_since("2025-12-01T14:40:00.1") == datetime(2025, 12, 1, 14, 40, 0, 100000, UTC)
    assert Selection(since=parse_since("2025-12-01T14:40:00.1")).matches(b)
    assert not Selection(since=parse_since("2025-12-01T14:40:00.1")).matches(p)


def test_redrive_judges_by_todays_rules_and_sends_each_event_once():
    fixed = event_bytes(FIXED)
    letters = [
        letter(producer_letter(fixed, "oversized", "old limit"), 0),
        letter(producer_letter(event_bytes("bad", type="bogus")), 1),
        letter(producer_letter(event_bytes("big", pad=70_000), "oversized"), 2),
        letter(bronze_letter(b'{"meta": "\xff"}', "invalid_utf8", "not UTF-8", 5), 3),
        letter(producer_letter(fixed, "oversized", "old limit"), 4),  # the same event again
        parse_record(None, b"not json", 0, 5, 0),
    ]
    sent = []
    result = redrive(
        letters,
        RedriveResult("d", "r", False),
        Selection(),
        1_000_000,
        lambda k, v: sent.append((k, v)),
    )
    assert sent == [(FIXED.encode(), fixed)]
    assert (result.records, result.selected, result.redriven, result.duplicates) == (6, 6, 1, 1)
    assert result.still_invalid == {"invalid_value": 1, "invalid_utf8": 1}
    assert result.skipped == {TRUNCATED: 1, UNDECODABLE: 1}
    assert [r["now"].split(":")[0] for r in result.rejected] == [
        "invalid_value",
        "invalid_utf8",
    ]
    shown = summarize(letters, "d", Selection(), limit=2)
    assert shown.counts == {
        ("producer", "oversized"): 3,
        ("producer", "invalid_value"): 1,
        ("bronze", "invalid_utf8"): 1,
        ("unknown", UNREADABLE): 1,
    }
    assert [d.offset for d in shown.last] == [3, 4]  # latest by record time, oldest first
