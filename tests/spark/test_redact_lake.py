"""Deletions, restorations and hidden revisions through bronze -> silver -> redact -> gold, on
the real recorded events (real Spark, Iceberg and catalog).

The story of the recordings: Q50570219 was created and edited 8 times on 2018-03-15 16:10
(``qs_batch_with_new_items``) and deleted on 2018-07-22 (``deletion_edit``); Q52218094 is
created, deleted, restored and deleted again (``new_deletion_restore_deletion``); an edit of
2018-03-07 has its summary and user name hidden (``tests/fixtures/redaction``).
"""

from __future__ import annotations

import copy
import hashlib

import pytest

from tests.spark import redact_events as ev
from tests.spark.conftest import reset_lake
from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.spark_jobs import maintenance, medallion_batch, runtime
from wikistream_dagster.spark_jobs.bronze_stream import BronzeBatchWriter
from wikistream_dagster.spark_jobs.tables import (
    BRONZE,
    ENTITY_HOURLY,
    ENTITY_TRENDS,
    HIDDEN_REVISIONS,
    HOURLY_STATS,
    PAGE_STATE,
    REDACTIONS,
    RISK_SCORES,
    SILVER,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms.bronze import parse_kafka

pytestmark = pytest.mark.slow

DELETED = "Q50570219"
LIFE = ev.PAGE  # Q52218094
GOLD_PAGES = (ENTITY_HOURLY, ENTITY_TRENDS)
UNTOUCHED = "partition.event_date = DATE'2018-03-11'"  # eg_revert's hour: no deleted page


def _key(title: str) -> str:
    return hashlib.sha256(title.encode()).hexdigest()


class Lake:
    """Bronze batches in, one medallion run per batch, like the stream and the schedule."""

    def __init__(self, spark):
        self.spark, self.writer, self.batch, self.offset = spark, BronzeBatchWriter(None), 0, 0
        self.seen: set[str] = set()
        self.runs: list[dict] = []

    def ingest(self, evs: list[dict]) -> dict:
        evs = ev.unique_ids(evs, self.seen)
        self.writer(parse_kafka(ev.kafka_rows(self.spark, evs, self.offset)), self.batch)
        self.batch, self.offset = self.batch + 1, self.offset + len(evs)
        out = medallion_batch.run(self.spark, runtime.Reporter(None))
        self.runs.append(out)
        return out

    def rows(self, table: str, where: str) -> list[dict]:
        return [r.asDict() for r in self.spark.table(qualified(table)).where(where).collect()]

    def count(self, table: str) -> int:
        return self.spark.table(qualified(table)).count()


def _page_ids(evs: list[dict], title: str) -> list[str]:
    return [e["meta"]["id"] for e in evs if e["title"] == title]


@pytest.fixture(scope="module")
def story(lake):
    reset_lake(lake)
    L = Lake(lake)
    background = ev.events("qs_batch_with_new_items.ndjson") + ev.events("eg_revert.ndjson")
    hidden_edit = [e for e in ev.events("one_qs_batch.ndjson")[:150]]
    life = ev.lifecycle()
    s = {"L": L, "created": _page_ids(background, DELETED)}
    s["run0"] = L.ingest(background + hidden_edit + life[:1])
    s["before"] = {
        "stats": L.rows(HOURLY_STATS, "event_date = DATE'2018-03-15'"),
        "trends": L.rows(ENTITY_TRENDS, f"entity = '{DELETED}'"),
        "risk": L.rows(RISK_SCORES, f"title = '{DELETED}'"),
        "bronze": L.count(BRONZE),
        "untouched": _files(lake, UNTOUCHED),
    }
    deletes = ev.events("deletion_edit.ndjson") + life[1:2]
    s["run1"] = L.ingest(deletes)
    s["deleted_ids"] = s["created"] + [ev.unique_ids(deletes, set())[0]["meta"]["id"]]
    s["after_delete"] = {
        "bronze": L.count(BRONZE),
        "untouched": _files(lake, UNTOUCHED),
        "stats": L.rows(HOURLY_STATS, "event_date = DATE'2018-03-15'"),
        "trends": L.rows(ENTITY_TRENDS, f"entity = '{DELETED}'"),
    }
    late = copy.deepcopy(background[1])  # an edit of the deleted page that arrives late
    late["meta"]["id"] += "-late"
    s["late_id"] = late["meta"]["id"]
    # one batch: the late edit, the restore of Q52218094 and a revision hiding
    s["run2"] = L.ingest([late] + life[2:3] + ev.events("revision_deletion.ndjson")[:1])
    return s


def _files(spark, where: str) -> set[str]:
    """The bronze data files of the partitions ``where`` selects (on ``partition``)."""
    rows = spark.sql(f"SELECT file_path FROM {qualified(BRONZE)}.files WHERE {where}").collect()
    assert rows
    return {r[0] for r in rows}


def test_a_deleted_page_keeps_its_rows_but_loses_title_comment_user(story):
    L, ids = story["L"], story["deleted_ids"]
    assert len(ids) == 10  # the creation, 8 edits and the deletion itself
    id_list = ", ".join(f"'{i}'" for i in ids)
    for table in (BRONZE, SILVER):
        rows = L.rows(table, f"event_id IN ({id_list})")
        assert len(rows) == 10, table  # ids and times stay: counts hold
        assert all(r["event_time"] is not None for r in rows)
        for field in ("title", "comment", "user", "log_action_comment"):
            assert {r[field] for r in rows} == {None}, (table, field)
    assert {r["raw_json"] for r in L.rows(BRONZE, f"event_id IN ({id_list})")} == {None}
    assert L.rows(SILVER, f"title = '{DELETED}'") == []
    assert story["after_delete"]["bronze"] == story["before"]["bronze"] + 2
    assert L.count(SILVER) == L.count(BRONZE)  # exactly once, still


def test_gold_drops_the_page_and_keeps_the_counts(story):
    L = story["L"]
    assert story["before"]["trends"] and story["before"]["risk"]  # it was there
    assert story["after_delete"]["trends"] == []
    for table in GOLD_PAGES:
        assert L.rows(table, f"entity = '{DELETED}'") == [], table
    assert L.rows(RISK_SCORES, f"title = '{DELETED}'") == []
    after = story["after_delete"]["stats"]
    key = lambda r: (r["wiki"], r["event_hour"])  # noqa: E731
    before = {key(r): r["events"] for r in story["before"]["stats"]}
    assert {key(r): r["events"] for r in after} == before
    assert "2018-03-15T16" in story["run1"]["redact"]["gold_hours"]
    assert story["run1"]["redacted_check"]["passed"]
    assert story["run1"]["blocked"] == []


def test_only_the_partitions_holding_the_page_are_rewritten(story):
    redact = story["run1"]["redact"]
    assert redact["hours"] == ["2018-03-15T16", "2018-07-22T17"]
    assert story["after_delete"]["untouched"] == story["before"]["untouched"]  # 2018-03-11
    spark = story["L"].spark
    for table in (BRONZE, SILVER):
        snaps = spark.sql(f"SELECT summary FROM {qualified(table)}.snapshots").collect()
        redactions = [s[0] for s in snaps if s[0].get(S.REDACTION) == "page_deleted"]
        assert redactions and all(r["changed-partition-count"] == "2" for r in redactions[:1])


def test_page_state_and_the_audit_list_each_step(story):
    L = story["L"]
    (state,) = L.rows(PAGE_STATE, f"title_key = '{_key(DELETED)}'")
    assert (state["deleted"], state["title"], state["log_id"]) == (True, None, 660928862)
    audit = L.rows(REDACTIONS, f"title_key = '{_key(DELETED)}'")
    steps = sorted(
        (a["table_name"], str(a["event_date"]), a["event_hour"], a["rows"], a["reason"])
        for a in audit
    )
    assert steps == [
        (BRONZE, "2018-03-15", 16, 1, "late_arrival"),
        (BRONZE, "2018-03-15", 16, 9, "page_deleted"),
        (BRONZE, "2018-07-22", 17, 1, "page_deleted"),
        (PAGE_STATE, "None", None, 1, "page_deleted"),
        (SILVER, "2018-03-15", 16, 1, "late_arrival"),
        (SILVER, "2018-03-15", 16, 9, "page_deleted"),
        (SILVER, "2018-07-22", 17, 1, "page_deleted"),
    ]
    assert all(
        a["snapshot_id"] and a["expire_by"] > a["applied_at"]
        for a in audit
        if a["table_name"] != PAGE_STATE
    )


def test_a_late_row_of_a_deleted_page_is_redacted_too(story):
    (row,) = story["L"].rows(SILVER, f"event_id = '{story['late_id']}'")
    assert (row["title"], row["user"], row["comment"]) == (None, None, None)
    assert story["run2"]["redact"]["late_rows"] == 1
    # silver's next increment skipped bronze's UPDATE (an overwrite): only the 3 new events
    assert story["run2"]["silver"]["rows_read"] == 3


def test_a_restored_page_is_counted_again(story):
    L = story["L"]
    (state,) = L.rows(PAGE_STATE, f"title_key = '{_key(LIFE)}'")
    assert (state["deleted"], state["title"], state["log_action"]) == (False, LIFE, "restore")
    (hourly,) = L.rows(ENTITY_HOURLY, f"entity = '{LIFE}'")
    assert (str(hourly["event_date"]), hourly["event_hour"], hourly["events"]) == (
        "2018-07-23",
        9,
        1,
    )
    reasons = [
        a["reason"]
        for a in L.rows(REDACTIONS, f"title_key = '{_key(LIFE)}'")
        if a["table_name"] == PAGE_STATE
    ]
    assert sorted(reasons) == ["page_deleted", "page_restored"]
    # what the deletion emptied stays empty: the creation of 2018-03-15 has no title again
    assert [r["event_hour"] for r in L.rows(SILVER, f"title = '{LIFE}'")] == [9]


def test_a_hidden_revision_loses_comment_and_user_only(story):
    L = story["L"]
    (row,) = L.rows(SILVER, f"revision_new = {ev.HIDDEN_REVISION}")
    assert (row["title"], row["comment"], row["user"]) == ("Q14643136", None, None)
    (b,) = L.rows(BRONZE, f"revision_new = {ev.HIDDEN_REVISION}")
    assert (b["comment"], b["user"], b["raw_json"], b["title"]) == (None, None, None, "Q14643136")
    (h,) = L.rows(HIDDEN_REVISIONS, f"revision_id = {ev.HIDDEN_REVISION}")
    assert (h["bitmask"], h["hide_comment"], h["hide_user"]) == (6, True, True)
    (risk,) = L.rows(RISK_SCORES, f"event_id = '{row['event_id']}'")
    assert (risk["user"], risk["comment"]) == (None, None)
    assert story["run2"]["redacted_check"]["passed"]


def test_no_snapshot_keeps_the_values_after_maintenance(story):
    """Time travel: before expiry an older snapshot still returns the title; maintenance
    expires every snapshot from before the newest redaction."""
    spark, ids = story["L"].spark, story["deleted_ids"]
    id_list = ", ".join(f"'{i}'" for i in ids)

    def leaks(table: str) -> int:
        n = 0
        for (sid,) in spark.sql(f"SELECT snapshot_id FROM {qualified(table)}.snapshots").collect():
            n += spark.sql(
                f"SELECT count(*) FROM {qualified(table)} VERSION AS OF {sid} "
                f"WHERE event_id IN ({id_list}) AND title IS NOT NULL"
            ).first()[0]
        return n

    assert leaks(SILVER) > 0  # the pre-redaction snapshots
    done = maintenance.run(spark, (BRONZE,), compact=False, manifests=False)
    assert done["redaction_expiry"][SILVER]["expired"] > 0
    assert leaks(BRONZE) == 0 and leaks(SILVER) == 0
    for table in GOLD_PAGES:
        for (sid,) in spark.sql(f"SELECT snapshot_id FROM {qualified(table)}.snapshots").collect():
            assert (
                spark.sql(
                    f"SELECT count(*) FROM {qualified(table)} VERSION AS OF {sid} "
                    f"WHERE entity = '{DELETED}'"
                ).first()[0]
                == 0
            ), table
