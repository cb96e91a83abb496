"""Bronze reconciliation from snapshot summaries: gaps, replays and the fate of each record."""

import json

from wikistream_dagster.defs.reconcile import reconcile


def snap(
    spans: dict, records: int, added: int, dlq: int = 0, canary: int = 0, earlier=None
) -> dict:
    extra = {
        "wikistream.earlier-kafka-offsets": json.dumps({"raw-events": earlier}),
        "wikistream.earlier-records": "7",
        "wikistream.earlier-dlq-records": "5",
        "wikistream.earlier-canary-records": "2",
    }
    return {
        "summary": (extra if earlier else {})
        | {
            "wikistream.kafka-offsets": json.dumps({"raw-events": spans}),
            "wikistream.records": str(records),
            "added-records": str(added),
            "wikistream.dlq-records": str(dlq),
            "wikistream.canary-records": str(canary),
        }
    }


def test_contiguous_batches_reconcile():
    r = reconcile(
        [
            snap({"0": [0, 10], "1": [0, 5]}, 15, 14, dlq=1),
            snap({"0": [10, 20], "1": [5, 8]}, 13, 12, canary=1),
        ]
    )
    assert r["offset_gaps"] == {} and r["offsets_consumed"] == 28
    assert r["records_read"] == 28 and r["rows_inserted"] == 26
    assert r["already_present_or_duplicate"] == 0
    assert abs(r["dlq_rate"] - 1 / 28) < 1e-9


def test_replayed_batch_after_a_crash_is_an_overlap_not_a_gap():
    r = reconcile([snap({"0": [0, 10]}, 10, 10), snap({"0": [5, 15]}, 10, 5)])
    assert r["offset_gaps"] == {} and r["offsets_consumed"] == 15
    assert r["already_present_or_duplicate"] == 5  # the MERGE kept them out


def test_a_skipped_offset_range_is_a_gap():
    r = reconcile([snap({"0": [0, 10]}, 10, 10), snap({"0": [12, 20]}, 8, 8)])
    assert r["offset_gaps"] == {"raw-events/0": 2}


def test_snapshots_without_bronze_summaries_are_ignored():
    assert reconcile([{"summary": {"operation": "replace"}}])["records_read"] == 0


def test_batches_without_a_snapshot_carried_by_the_next_one_are_no_gap():
    """Offsets 10-14 went to a DLQ-only batch, 15-16 to a canary-only one: no snapshot each."""
    r = reconcile(
        [
            snap({"0": [0, 10]}, 10, 10),
            snap({"0": [17, 20]}, 3, 3, earlier={"0": [[10, 17]]}),
        ]
    )
    assert r["offset_gaps"] == {} and r["offsets_consumed"] == 20
    assert (r["records_read"], r["dead_lettered"], r["canary"]) == (20, 5, 2)
    assert r["already_present_or_duplicate"] == 0


def test_a_real_gap_next_to_carried_spans_is_still_found():
    r = reconcile(
        [
            snap({"0": [0, 10]}, 10, 10),
            snap({"0": [20, 25]}, 5, 5, earlier={"0": [[10, 12], [14, 17]]}),
        ]
    )
    assert r["offset_gaps"] == {"raw-events/0": 5}  # 12-13 and 17-19 never read
