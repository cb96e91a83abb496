"""Log events -> page-state changes and hidden revisions, on the real delete/restore events."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from tests.spark import redact_events as ev
from wikistream_dagster.spark_jobs.transforms import redact as T

pytestmark = pytest.mark.slow

KEY = hashlib.sha256(ev.PAGE.encode()).hexdigest()


def _changes(spark, evs):
    rows = T.page_changes(ev.silver_rows(spark, evs)).orderBy("since").collect()
    return [r.asDict() for r in rows]


def test_delete_restore_delete_of_the_real_recording(spark):
    got = _changes(spark, ev.lifecycle())
    assert [(c["log_action"], c["deleted"], c["title"]) for c in got] == [
        ("delete", True, None),  # a deletion never carries the title into page_state
        ("restore", False, ev.PAGE),
        ("delete", True, None),
    ]
    assert {c["title_key"] for c in got} == {KEY}
    assert {c["wiki"] for c in got} == {"wikidatawiki"}
    assert [c["since"] for c in got] == [
        datetime(2018, 7, 22, 17, 0),
        datetime(2018, 7, 23, 9, 0, 47),
        datetime(2018, 7, 25, 0, 33, 20),
    ]
    assert [c["log_id"] for c in got] == [660928862, 660929495, 660928862]


def test_the_newest_event_is_the_state(spark):
    changes = T.page_changes(ev.silver_rows(spark, ev.lifecycle()))
    (state,) = T.latest(changes).collect()
    assert (state["deleted"], str(state["since"])) == (True, "2018-07-25 00:33:20")
    restored = T.page_changes(
        ev.silver_rows(spark, ev.unique_ids(ev.events("deletion_restore.ndjson")))
    )
    (state,) = T.latest(restored).collect()
    assert (state["deleted"], state["title"], state["log_action"]) == (False, ev.PAGE, "restore")


def test_other_log_events_change_nothing(spark):
    """one_qs_batch's 22 log events (patrol, abusefilter, tag) are neither deletions nor hiding."""
    silver = ev.silver_rows(spark, ev.events("one_qs_batch.ndjson"))
    assert silver.where("type = 'log'").count() == 22
    assert T.page_changes(silver).count() == 0
    assert T.hidden_revisions(silver).count() == 0


def test_revision_deletion_params_both_forms(spark):
    rows = T.hidden_revisions(ev.silver_rows(spark, ev.events("revision_deletion.ndjson")))
    got = sorted(
        (r["log_type"], r["revision_id"], r["bitmask"], r["hide_comment"], r["hide_user"])
        for r in rows.collect()
    )
    assert got == [
        ("delete", ev.HIDDEN_REVISION, 6, True, True),  # ids as a JSON array
        ("suppress", ev.HIDDEN_REVISION, 14, True, True),  # ids as "a,b", restricted bit
        ("suppress", ev.HIDDEN_REVISION + 1, 14, True, True),
    ]


def test_unhiding_is_a_state_with_nothing_hidden(spark):
    e = ev.events("revision_deletion.ndjson")[0]
    e["log_params"] = {"type": "revision", "ids": ["645091413"], "ofield": 6, "nfield": 0}
    (row,) = T.hidden_revisions(ev.silver_rows(spark, [e])).collect()
    assert (row["bitmask"], row["hide_comment"], row["hide_user"]) == (0, False, False)


def test_a_move_points_the_old_title_at_the_new(spark):
    """MoveLogFormatter's params in the feed: {"target": new title, "noredir": "0"}."""
    e = ev.events("deletion_edit.ndjson")[0]
    e |= {
        "log_type": "move",
        "log_action": "move",
        "title": "Old title",
        "log_params": {"target": "New title", "noredir": "0"},
    }
    (row,) = T.page_changes(ev.silver_rows(spark, [e])).collect()
    assert (row["deleted"], row["title"]) == (False, "Old title")
    assert row["moved_to_key"] == hashlib.sha256(b"New title").hexdigest()


def test_log_entry_deletion_params_both_forms(spark):
    """delete/event's {"ids", "ofield", "nfield"} and the legacy ["ids", "ofield=n", "nfield=n"]
    (RevDelLogList::getLogParams, DeleteLogFormatter::parseBitField)."""
    silver = ev.silver_rows(spark, ev.events("log_deletion.ndjson"))
    assert T.hidden_revisions(silver).count() == 0  # not revisions
    got = sorted(
        (
            r["log_type"],
            r["item_type"],
            r["revision_id"],
            r["bitmask"],
            r["hide_action"],
            r["hide_comment"],
            r["hide_user"],
        )
        for r in T.hidden_log_entries(silver).collect()
    )
    assert got == [
        ("delete", "logging", 644397349, 7, True, True, True),
        ("suppress", "logging", 644397386, 12, False, False, True),
    ]
    e = ev.events("log_deletion.ndjson")[0]
    e["log_params"] = {"type": "revision", "ids": ["1"], "ofield": 0, "nfield": 7}
    assert T.hidden_log_entries(ev.silver_rows(spark, [e])).count() == 0  # not a log entry
