"""Redaction across a page's history (issue 14, second round), on real Spark, Iceberg and Deequ.

The story: Q52218094 (the real recording ``new_deletion_restore_deletion``) is created, two
copies of its creation with an unknown type are quarantined, it is deleted and restored, and
then an edit from before the deletion arrives late. A page is moved twice ("Move A" -> "Move B"
-> "Move C") and then deleted under its last title. Runs in file order on one lake, like the
schedule and an operator would act.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import pytest

from tests.spark import redact_events as ev
from tests.spark.conftest import reset_lake
from tests.spark.test_redact_lake import Lake, _key
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.spark_jobs import maintenance, redact_check
from wikistream_dagster.spark_jobs import quarantine as quar
from wikistream_dagster.spark_jobs.quarantine_resolve import Selection, drop, release
from wikistream_dagster.spark_jobs.tables import (
    BRONZE,
    HIDDEN_REVISIONS,
    PAGE_STATE,
    REDACTIONS,
    SILVER,
    qualified,
)

pytestmark = pytest.mark.slow

LIFE = ev.PAGE
HELD_HOUR = (date(2018, 3, 15), 16)  # the creation's hour: the quarantined copies hold it
A, B, C = "Move A", "Move B", "Move C"
HIDDEN_LOG, USER_HIDDEN_LOG = 644397349, 644397386  # tag/update entries (log_deletion.ndjson)
LOG_IDS = (HIDDEN_LOG, USER_HIDDEN_LOG)


def _at(template: dict, when: datetime, event_id: str, **over) -> dict:
    """A copy of a real event at ``when`` with id ``event_id`` and fields ``over``."""
    e = copy.deepcopy(template)
    e["meta"]["id"] = event_id
    e["meta"]["dt"] = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    e["timestamp"] = int(when.timestamp())
    e["meta"].pop("uri", None)
    return e | over


def _t(month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(2018, month, day, hour, minute, tzinfo=UTC)


def _move_story() -> tuple[list[dict], list[dict]]:
    """Edits and moves of the A -> B -> C page (the 20th), and C's deletion (the 21st)."""
    edit = ev.events("eg_revert.ndjson")[0]
    log = ev.events("deletion_edit.ndjson")[0]

    def move(src: str, dst: str, when: datetime, n: int) -> dict:
        params = {"target": dst, "noredir": "0"}
        return _at(
            log,
            when,
            f"mv-{n}",
            log_type="move",
            log_action="move",
            title=src,
            log_params=params,
            log_id=700000000 + n,
            log_action_comment=f"moved [[{src}]] to [[{dst}]]",
        )

    chain = [
        _at(edit, _t(7, 20, 10, 0), "a-edit", title=A),
        move(A, B, _t(7, 20, 10, 10), 1),
        _at(edit, _t(7, 20, 10, 15), "a-redirect", title=A),  # the redirect left at A
        _at(edit, _t(7, 20, 10, 20), "b-edit", title=B),
        move(B, C, _t(7, 20, 10, 30), 2),
        _at(edit, _t(7, 20, 10, 40), "c-edit", title=C),
    ]
    delete = [
        _at(
            log,
            _t(7, 21, 12, 0),
            "c-delete",
            title=C,
            log_id=700000003,
            log_action_comment=f"deleted &quot;[[{C}]]&quot;",
        )
    ]
    return chain, delete


def _silver(L: Lake, event_id: str) -> dict:
    (row,) = L.rows(SILVER, f"event_id = '{event_id}'")
    return row


@pytest.fixture(scope="module")
def story(lake):
    reset_lake(lake)
    L = Lake(lake)
    life = ev.lifecycle()
    create = life[0]
    quarantined = [
        _at(create, _t(3, 15, 16, 11 + i), f"{create['meta']['id']}-q{i}", type="bogus")
        for i in (1, 2)
    ]
    chain, delete_c = _move_story()
    tagged = [e for e in ev.events("one_qs_batch.ndjson") if e.get("log_id") in LOG_IDS]
    s = {"L": L, "quarantined": [q["meta"]["id"] for q in quarantined]}
    s["tagged"] = {e["log_id"]: e["meta"]["id"] for e in tagged}
    s["run0"] = L.ingest([create, *quarantined, *chain, *tagged])
    s["held_json"] = {
        r["event_id"]: r["row_json"] for r in L.rows(QUARANTINE, "row_json IS NOT NULL")
    }
    # delete Q52218094 and Move C, hide two log entries
    s["run1"] = L.ingest([life[1], *delete_c, *ev.events("log_deletion.ndjson")])
    s["run2"] = L.ingest([life[2]])  # restore Q52218094
    late = _at(create, _t(3, 15, 16, 20), "late-before-deletion", type="edit")
    b_late = _at(chain[0], _t(7, 20, 10, 25), "b-late", title=B)  # before B -> C, came late
    s["run3"] = L.ingest([late, b_late])
    return s


def test_quarantine_holds_the_page_before_the_deletion(story):
    assert story["run0"]["blocked"] == ["type_known"]
    assert set(story["held_json"]) == set(story["quarantined"])
    assert all(LIFE in j for j in story["held_json"].values())


def test_a_late_row_from_before_a_deletion_is_redacted_after_the_restore(story):
    """Gap 1: the page is not deleted now, but the row is from before its deletion."""
    L = story["L"]
    (state,) = L.rows(PAGE_STATE, f"title_key = '{_key(LIFE)}'")
    assert (state["deleted"], state["log_action"]) == (False, "restore")
    row = _silver(L, "late-before-deletion")
    assert (row["title"], row["user"], row["comment"]) == (None, None, None)
    (b,) = L.rows(BRONZE, "event_id = 'late-before-deletion'")
    assert (b["title"], b["raw_json"]) == (None, None)
    assert story["run3"]["redact"]["late_rows"] == 2  # and b-late (the moves' test)
    late = [
        (a["table_name"], a["reason"])
        for a in L.rows(REDACTIONS, f"title_key = '{_key(LIFE)}' AND event_hour = 16")
        if a["reason"] == "late_arrival"
    ]
    assert sorted(late) == [(BRONZE, "late_arrival"), (SILVER, "late_arrival")]


def _entries(L: Lake) -> dict[str, dict]:
    return {r["event_id"]: r for r in L.rows(QUARANTINE, "row_json IS NOT NULL")}


def test_quarantined_rows_of_a_deleted_page_are_redacted(story):
    """Gap 2: the quarantine's copy of the row loses the same fields as silver's."""
    L = story["L"]
    entries = _entries(L)
    assert set(entries) == set(story["quarantined"])
    for event_id, e in entries.items():
        row = json.loads(e["row_json"])
        assert LIFE not in e["row_json"]
        assert all(row.get(f) is None for f in ("title", "comment", "user")), row
        assert row["event_id"] == event_id and row["type"] == "bogus"  # the rest stays
    audit = L.rows(REDACTIONS, f"table_name = '{QUARANTINE}'")
    assert sorted((a["rows"], a["reason"]) for a in audit) == [(2, "page_deleted")]
    assert story["run1"]["redact"]["rows"][QUARANTINE] == 2


def test_a_redacted_quarantined_row_is_still_the_silver_row(story):
    """Its identity (row hash) follows the redaction, so gold keeps excluding it."""
    L = story["L"]
    silver = L.spark.table(qualified(SILVER)).where("type = 'bogus'")
    ided = {r["event_id"]: r["row_hash"] for r in quar.identify(silver).collect()}
    assert {e: r["row_hash"] for e, r in _entries(L).items()} == ided
    assert quar.exclude_quarantined(silver, L.spark).count() == 0


def test_drop_and_release_still_work_after_the_redaction(story):
    L = story["L"]
    q1, q2 = story["quarantined"]
    dropped = drop(L.spark, Selection(event_ids=(q2,)), "droprun")
    assert dropped["deleted_from_silver"] == 1
    assert L.rows(SILVER, f"event_id = '{q2}'") == []
    release(L.spark, Selection(event_ids=(q1,)), "releaserun")
    from wikistream_dagster.spark_jobs import medallion_batch, runtime

    out = medallion_batch.run(L.spark, runtime.Reporter(None), hours=[HELD_HOUR])
    assert out["blocked"] == []  # the released row is not measured (and held) again
    assert quar.held_hours(L.spark) == []
    row = _silver(L, q1)  # released: stays in silver, redacted
    assert (row["title"], row["user"], row["comment"], row["type"]) == (None, None, None, "bogus")
    assert out["redacted_check"]["passed"]


def test_multi_step_moves_redact_every_former_title_up_to_its_move(story):
    """Gap 4: A -> B -> C, then C deleted: rows under A and B up to their moves go too."""
    L = story["L"]
    for event_id in ("a-edit", "mv-1", "b-edit", "mv-2", "c-edit", "c-delete", "b-late"):
        row = _silver(L, event_id)
        assert (row["title"], row["user"], row["comment"]) == (None, None, None), event_id
        assert row["log_params"] is None or C not in row["log_params"], event_id
    assert _silver(L, "a-redirect")["title"] == A  # the redirect at A is another page
    assert L.rows(SILVER, f"title IN ('{B}', '{C}')") == []


def test_hidden_log_entries_lose_the_hidden_fields(story):
    """Gap 3: delete/event hides a log entry's action (target), comment or user by log id."""
    L = story["L"]
    ids = story["tagged"]
    full = _silver(L, ids[HIDDEN_LOG])  # bits 7: action, comment and user
    assert full["log_id"] == HIDDEN_LOG and full["event_time"] is not None
    fields = ("title", "user", "comment", "log_action_comment", "log_params")
    assert [full[f] for f in fields] == [None] * 5
    user = _silver(L, ids[USER_HIDDEN_LOG])  # bits 12: user (and restricted)
    assert (user["user"], user["log_action_comment"]) == (None, None)  # it named the user
    assert user["title"] == "Q932178" and "revid" in user["log_params"]
    for event_id in ids.values():
        (b,) = L.rows(BRONZE, f"event_id = '{event_id}'")
        assert (b["user"], b["raw_json"]) == (None, None)
    state = L.rows(HIDDEN_REVISIONS, "item_type = 'logging'")
    assert sorted(
        (h["revision_id"], h["bitmask"], h["hide_action"], h["hide_comment"], h["hide_user"])
        for h in state
    ) == [(HIDDEN_LOG, 7, True, True, True), (USER_HIDDEN_LOG, 12, False, False, True)]
    audit = L.rows(REDACTIONS, "reason = 'log_hidden'")
    assert sorted((a["table_name"], a["revision_ids"], a["rows"]) for a in audit) == [
        (BRONZE, str(HIDDEN_LOG), 1),
        (BRONZE, str(USER_HIDDEN_LOG), 1),
        (HIDDEN_REVISIONS, str(HIDDEN_LOG), 1),
        (HIDDEN_REVISIONS, str(USER_HIDDEN_LOG), 1),
        (SILVER, str(HIDDEN_LOG), 1),
        (SILVER, str(USER_HIDDEN_LOG), 1),
    ]
    assert story["run1"]["redact"]["log_entries_hidden"] == 2


def test_no_quarantine_snapshot_keeps_the_values_after_maintenance(story):
    """Time travel: the quarantine's snapshots from before its redaction go like silver's."""
    L = story["L"]
    table = qualified(QUARANTINE)

    def leaks() -> int:
        snaps = L.spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").collect()
        return sum(
            L.spark.sql(
                f"SELECT count(*) FROM {table} VERSION AS OF {sid} WHERE row_json LIKE '%{LIFE}%'"
            ).first()[0]
            for (sid,) in snaps
        )

    assert leaks() > 0  # the snapshots from before the redaction
    done = maintenance.run(L.spark, (QUARANTINE,), compact=False, manifests=False)
    assert done["redaction_expiry"][QUARANTINE]["expired"] > 0
    assert leaks() == 0


def test_the_check_finds_a_title_left_in_the_quarantine(story):
    """Put one original row_json back: ``deleted_pages_redacted`` must see it."""
    L = story["L"]
    q1 = story["quarantined"][0]
    original = story["held_json"][q1].replace("'", "\\'")
    table = qualified(QUARANTINE)
    L.spark.sql(f"UPDATE {table} SET row_json = '{original}' WHERE event_id = '{q1}'")
    got = redact_check.run(L.spark, [HELD_HOUR])
    assert not got["passed"] and got["left"][QUARANTINE] == 1
