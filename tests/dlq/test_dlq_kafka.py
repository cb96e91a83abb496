"""``wikistream dlq show|redrive`` against a real broker: both writers' dead letters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from confluent_kafka import Producer

from tests.dlq.events import bronze_letter, event_bytes, producer_letter
from tests.kafka_helpers import ROOT, new_topics, read_topic

pytestmark = pytest.mark.slow
FIXED = "00000000-0000-4000-8000-000000000001"
BIG = "00000000-0000-4000-8000-000000000003"  # its dead letter keeps only the first 64 KiB


@pytest.fixture
def topics(kafka_broker):
    """Fresh raw/DLQ topics; the DLQ holds one dead letter of each kind."""
    raw, dlq = new_topics(kafka_broker, "dlq")
    letters = [
        producer_letter(event_bytes(FIXED), "oversized", "3100 bytes > limit 2048"),  # rule fixed
        producer_letter(event_bytes("00000000-0000-4000-8000-000000000002", type="bogus")),
        producer_letter(event_bytes(BIG, pad=70_000), "oversized", "70455 bytes > limit 65536"),
        bronze_letter(b'{"meta": {"id": "x\xff"}}', "invalid_utf8", "not UTF-8", 41),
    ]
    p = Producer({"bootstrap.servers": kafka_broker})
    for key, value in letters:
        p.produce(dlq, value, key)
    assert p.flush(30) == 0
    return kafka_broker, raw, dlq


def dlq_cli(bootstrap: str, raw: str, dlq: str, *args: str) -> tuple[list[str], dict]:
    argv = [sys.executable, "-m", "wikistream_dagster", "dlq", *args, "--json"]
    argv += ["--bootstrap", bootstrap, "--dlq-topic", dlq]
    if args[0] == "redrive":
        argv += ["--raw-topic", raw]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return lines, json.loads(lines[-1])


def test_show_counts_per_writer_and_reason_and_a_dry_run_writes_nothing(topics):
    bootstrap, raw, dlq = topics
    lines, shown = dlq_cli(bootstrap, raw, dlq, "show", "--limit", "2")
    assert shown["records"] == shown["selected"] == 4
    assert {(c["writer"], c["reason"], c["records"]) for c in shown["counts"]} == {
        ("producer", "oversized", 2),
        ("producer", "invalid_value", 1),
        ("bronze", "invalid_utf8", 1),
    }
    assert [(r["offset"], r["key"]) for r in shown["last"]] == [(2, BIG), (3, "raw-events-0-41")]
    _, only = dlq_cli(bootstrap, raw, dlq, "show", "--reason", "invalid_utf8", "oversized")
    assert only["selected"] == 3 and only["records"] == 4

    lines, dry = dlq_cli(bootstrap, raw, dlq, "redrive", "--dry-run")
    assert (
        dry["dry_run"] and dry["redriven"] == 1 and any("nothing was written" in x for x in lines)
    )
    assert read_topic(bootstrap, raw) == []


def test_redrive_sends_exactly_the_fixed_event_byte_for_byte(topics):
    bootstrap, raw, dlq = topics
    lines, result = dlq_cli(bootstrap, raw, dlq, "redrive")
    assert (result["selected"], result["redriven"]) == (4, 1)
    assert result["still_invalid"] == {"invalid_value": 1, "invalid_utf8": 1}
    assert result["skipped"] == {"truncated": 1}
    assert any("re-driving twice is harmless" in x for x in lines)
    records = read_topic(bootstrap, raw)
    assert [(m.key(), m.value()) for m in records] == [(FIXED.encode(), event_bytes(FIXED))]
    # only the fixed reason selected: the others are not even judged
    _, again = dlq_cli(
        bootstrap, raw, dlq, "redrive", "--reason", "oversized", "--writer", "producer"
    )
    assert (again["selected"], again["redriven"], again["still_invalid"]) == (2, 1, {})
    assert again["skipped"] == {"truncated": 1}
    assert [m.key() for m in read_topic(bootstrap, raw)] == [FIXED.encode()] * 2  # bronze MERGEs
