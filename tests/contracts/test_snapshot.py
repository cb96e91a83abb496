"""The snapshot-summary contract: the writer's properties read back by the readers' code."""

from __future__ import annotations

from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.defs.bronze import snapshot_event
from wikistream_dagster.defs.reconcile import reconcile
from wikistream_dagster.spark_jobs.checkpoint import writer_conflict

OFFSETS = {"raw-events": {"0": [10, 20], "1": [5, 9]}}


def _batch(**kw) -> S.BronzeBatch:
    base = dict(
        batch_id=3,
        kafka_offsets=OFFSETS,
        records=14,
        dlq_records=2,
        canary_records=1,
        max_event_time="2018-03-07 16:59:58",
        hours=("2018-03-07T16", "2018-03-07T17"),
        checkpoint="/cp",
        query_id="q-1",
    )
    return S.BronzeBatch(**(base | kw))


def test_bronze_batch_properties_are_the_wire_format():
    """The exact keys and values in Iceberg summaries: a rename here breaks stored tables."""
    props = _batch(
        earlier=S.EarlierBatches({"raw-events": {"0": [[0, 10]]}}, 10, 3, 0)
    ).to_properties()
    assert props == {
        "wikistream.batch-id": "3",
        "wikistream.kafka-offsets": '{"raw-events": {"0": [10, 20], "1": [5, 9]}}',
        "wikistream.records": "14",
        "wikistream.dlq-records": "2",
        "wikistream.canary-records": "1",
        "wikistream.max-event-time": "2018-03-07 16:59:58",
        "wikistream.hours": "2018-03-07T16,2018-03-07T17",
        "wikistream.checkpoint": "/cp",
        "wikistream.query-id": "q-1",
        "wikistream.earlier-kafka-offsets": '{"raw-events": {"0": [[0, 10]]}}',
        "wikistream.earlier-records": "10",
        "wikistream.earlier-dlq-records": "3",
        "wikistream.earlier-canary-records": "0",
    }
    without = _batch(query_id=None).to_properties()
    assert S.QUERY_ID not in without and S.EARLIER_RECORDS not in without


def test_bronze_batch_round_trip_and_defaults():
    batch = _batch(earlier=S.EarlierBatches({"raw-events": {"1": [[0, 5]]}}, 4, 1, 1))
    assert S.BronzeBatch.from_properties(batch.to_properties()) == batch
    assert batch.total_records == 18 and batch.total_dlq_records == 3
    empty = S.BronzeBatch.from_properties({"added-records": "3"})
    assert empty.batch_id == -1 and empty.records == 0 and empty.kafka_offsets == {}
    assert not S.is_bronze_batch({"added-records": "3"})
    assert S.is_bronze_batch(batch.to_properties())


def test_readers_read_what_the_bronze_writer_writes():
    props = _batch(earlier=S.EarlierBatches({"raw-events": {"0": [[0, 10]]}}, 10, 3, 0))
    summary = props.to_properties() | {"added-records": "11", "total-records": "11"}
    event = snapshot_event({"snapshot_id": 7, "summary": summary}, lag=None, dlq_total=None)
    meta = {k: getattr(v, "value", v) for k, v in event.metadata.items()}
    assert meta["batch_id"] == 3 and meta["records_consumed"] == 14
    assert meta["dlq_records"] == 2 and meta["max_event_time"] == "2018-03-07 16:59:58"
    assert meta["kafka_offsets"] == OFFSETS
    tally = reconcile([{"snapshot_id": 7, "summary": summary}])
    assert tally["records_read"] == 24 and tally["dead_lettered"] == 5, tally
    assert tally["offsets_consumed"] == 24, tally
    # the writer-conflict rule reads the checkpoint, query id and batch id keys
    later = _batch(batch_id=9).to_properties()
    assert writer_conflict(later, "/cp", "q-1", 5, None)
    assert writer_conflict(later, "/other", "q-1", 5, None) is None


def test_hour_list():
    assert S.hour_list({S.HOURS: "2018-03-07T16,2018-03-07T17"}) == [
        "2018-03-07T16",
        "2018-03-07T17",
    ]
    assert S.hour_list({}) == []


class _Snapshots:
    """A lake reader holding one table's snapshot summaries (what ``resolved_hours`` reads)."""

    def __init__(self, summaries):
        self.snaps = [{"snapshot_id": i, "summary": s} for i, s in enumerate(summaries, 1)]

    def snapshots(self, table, after_id=None):
        return [s for s in self.snaps if after_id is None or s["snapshot_id"] > after_id]


def test_quarantine_commits_are_read_back_by_the_schedule():
    """The quarantine job's commit properties, read by the schedule's ``resolved_hours``."""
    from datetime import date

    from wikistream_dagster.contracts import quarantine as Q
    from wikistream_dagster.resources.quarantine import resolved_hours
    from wikistream_dagster.spark_jobs.quarantine_hold import commit_props

    hold = commit_props(Q.HOLD, "r1", [(date(2018, 3, 7), 16)])
    release = commit_props(Q.RELEASE, "r2", [(date(2018, 3, 7), 17), (date(2018, 3, 7), 16)])
    assert release == {
        "wikistream.hours": "2018-03-07T16,2018-03-07T17",
        "wikistream.quarantine-action": "release",
        "wikistream.run-id": "r2",
    }
    hours, cursor = resolved_hours(_Snapshots([hold, release]))
    assert hours == {"2018-03-07T16", "2018-03-07T17"} and cursor == 2
    assert resolved_hours(_Snapshots([hold]), None)[0] == set()  # a hold resolves nothing
