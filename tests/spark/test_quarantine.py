"""Quarantine on real Spark, Deequ and Iceberg: a blocking failure holds exactly its violating
rows and their hour, gold leaves them out, release and drop let the hour proceed.

Tests run in order on one lake (each step builds on the last, like an operator would).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.spark.conftest import reset_lake
from wikistream_dagster.contracts import checks
from wikistream_dagster.contracts.quarantine import QUARANTINE
from wikistream_dagster.quarantine import commands
from wikistream_dagster.resources.lake import LakeReader
from wikistream_dagster.resources.quarantine import held_hours, resolved_hours
from wikistream_dagster.spark_jobs import gold_batch, quality_check
from wikistream_dagster.spark_jobs import quarantine as quar
from wikistream_dagster.spark_jobs.quarantine_resolve import ResolveError, Selection, drop, release
from wikistream_dagster.spark_jobs.tables import (
    HOURLY_STATS,
    RISK_SCORES,
    SILVER,
    ensure_tables,
    qualified,
)
from wikistream_dagster.spark_jobs.transforms import quality

pytestmark = pytest.mark.slow

HELD_HOUR = (date(2018, 3, 7), 16)
CLEAN_HOUR = (date(2018, 3, 7), 17)
HOURS = [HELD_HOUR, CLEAN_HOUR]
GOOD = [f"g{i}" for i in range(6)]


def _row(event_id, hour, minute, **over):
    d, h = hour
    t = datetime(d.year, d.month, d.day, h, minute, tzinfo=UTC)
    base = {
        "event_id": event_id,
        "event_time": t,
        "event_date": d,
        "event_hour": h,
        "wiki": "enwiki",
        "domain": "en.wikipedia.org",
        "stream": "mediawiki.recentchange",
        "envelope": "current",
        "type": "edit",
        "namespace": 0,
        "title": f"Page {event_id}",
        "user": "Alice",
        "is_bot": False,
        "is_anonymous": False,
        "rc_id": 1,
        "revision_old": 1,
        "revision_new": 2,
        "byte_delta": 10,
        "processed_at": datetime(2024, 1, 1, tzinfo=UTC),
    }
    return base | over


@pytest.fixture(scope="module")
def silver(lake):
    """Hour 16: six good rows, a second copy of g0, an unknown type, a row without wiki.
    Hour 17: three good rows."""
    reset_lake(lake)
    ensure_tables(lake, SILVER)
    later = datetime(2024, 1, 2, tzinfo=UTC)
    rows = [_row(i, HELD_HOUR, n) for n, i in enumerate(GOOD)]
    rows += [
        _row("g0", HELD_HOUR, 30, title="Copy", processed_at=later),
        _row("odd", HELD_HOUR, 31, type="bogus"),
        _row("nowiki", HELD_HOUR, 32, wiki=None),
    ]
    rows += [_row(f"c{i}", CLEAN_HOUR, i) for i in range(3)]
    schema = lake.table(qualified(SILVER)).schema
    lake.createDataFrame(rows, schema).writeTo(qualified(SILVER)).append()
    return lake


@pytest.fixture(scope="module")
def reader(catalog):
    return LakeReader(uri=catalog.catalog_uri)


def _entries(lake):
    got = lake.table(qualified(QUARANTINE)).collect()
    return {(r["event_id"], r["rule"], r["status"]) for r in got}


def _gold_events(lake, hour):
    d, h = hour
    where = f"event_date = DATE'{d.isoformat()}' AND event_hour = {h}"
    stats = lake.table(qualified(HOURLY_STATS)).where(where).collect()
    risk = lake.table(qualified(RISK_SCORES)).where(where).collect()
    return sum(r["events"] for r in stats), sorted(r["event_id"] for r in risk)


def test_row_rules_agree_with_deequ(silver):
    """Each blocking row rule finds exactly the rows Deequ's metric counts as failing."""
    rows = silver.table(qualified(SILVER)).where("event_hour = 16")
    n = rows.count()
    outcome = quality.run_checks(silver, rows)
    found = quar.violations(rows, [c for c in quality.CONSTRAINTS if c.blocking])
    bad = {r["rule"]: r["count"] for r in found.groupBy("rule").count().collect()}
    for r in outcome["results"]:
        if not r["blocking"]:
            continue
        if r["check_name"] == "event_id_unique":  # Deequ: ids occurring once / rows
            assert r["value"] == pytest.approx((n - 2) / n) and bad[r["check_name"]] == 1
        else:
            assert r["value"] == pytest.approx(1 - bad.get(r["check_name"], 0) / n), r
    assert all(c.row_level for c in quality.CONSTRAINTS if c.blocking)


def test_blocking_failure_quarantines_exactly_the_violating_rows(silver, reader, catalog):
    assert held_hours(reader) == set()  # no quarantine table yet
    q = quality_check.run(silver, HOURS)
    failed = {r["check_name"]: r for r in q["results"] if not r["passed"]}
    assert q["status"] == "failed"
    assert {"event_id_unique", "type_known", "wiki_complete"} <= set(failed)
    assert failed["type_known"]["quarantined"] == 1
    assert "odd" in failed["type_known"]["quarantine_sample"]
    assert _entries(silver) == {
        ("g0", "event_id_unique", "held"),
        ("odd", "type_known", "held"),
        ("nowiki", "wiki_complete", "held"),
    }
    copy = silver.table(qualified(QUARANTINE)).where("event_id = 'g0'").first()
    assert '"title":"Copy"' in copy["row_json"] and copy["copy_no"] == 1  # the later copy
    assert q["held"] == ["2018-03-07T16"]
    assert held_hours(reader) == {"2018-03-07T16"}
    listed = commands.list_entries(catalog, commands.Filters(hours=("2018-03-07T16",)), "held", 10)
    assert {(c["rule"], c["entries"]) for c in listed["counts"]} == {
        ("event_id_unique", 1),
        ("type_known", 1),
        ("wiki_complete", 1),
    }
    assert listed["held_hours"] == ["2018-03-07T16"]
    assert {e["event_id"] for e in listed["latest"]} == {"g0", "odd", "nowiki"}
    again = quality_check.run(silver, HOURS)  # a second failing run adds nothing
    assert again["status"] == "failed" and silver.table(qualified(QUARANTINE)).count() == 3


def test_gold_does_not_read_held_rows(silver):
    gold_batch.run(silver, HOURS)
    events, risky = _gold_events(silver, HELD_HOUR)
    assert events == 6 and risky == GOOD  # g0 once (first copy), no odd, no nowiki
    titles = silver.table(qualified(RISK_SCORES)).where("event_id = 'g0'").collect()
    assert [r["title"] for r in titles] == ["Page g0"]
    assert _gold_events(silver, CLEAN_HOUR)[0] == 3


def test_resolution_needs_a_filter(silver):
    with pytest.raises(ResolveError, match="--all"):
        release(silver, Selection(), "r0")


def test_release_keeps_the_hour_held_until_every_row_is_resolved(silver, reader, catalog):
    """Through the CLI's path: ``./wikistream quarantine release`` runs the Spark job."""
    _, cursor = resolved_hours(reader)
    out = commands.resolve(catalog, "release", commands.Filters(event_ids=("odd",)), False)
    assert (out["rows"], out["entries_by_rule"]) == (1, {"type_known": 1})
    assert out["held_hours"] == ["2018-03-07T16"]
    assert "released 1 rows (type_known=1) in hours 2018-03-07T16" in commands.resolve_lines(out)
    assert ("odd", "type_known", "released") in _entries(silver)
    assert held_hours(reader) == {"2018-03-07T16"}  # the copy and nowiki are still held
    assert resolved_hours(reader, cursor)[0] == {"2018-03-07T16"}


def test_drop_deletes_from_silver_and_the_hour_passes(silver, reader):
    out = drop(silver, Selection(rules=("event_id_unique", "wiki_complete")), "r2")
    assert out["rows"] == 2 and out["deleted_from_silver"] == 2
    hour = silver.table(qualified(SILVER)).where("event_hour = 16")
    assert sorted(r["event_id"] for r in hour.collect()) == sorted([*GOOD, "odd"])
    assert held_hours(reader) == set()
    q = quality_check.run(silver, HOURS)  # odd is released, the others are gone
    assert q["status"] == "passed", [r for r in q["results"] if not r["passed"]]
    assert q["rows"] == len(GOOD) + 3  # the released row is not measured again


def test_gold_includes_released_rows_and_not_dropped_ones(silver):
    gold_batch.run(silver, HOURS)
    events, risky = _gold_events(silver, HELD_HOUR)
    assert events == 7 and risky == GOOD  # odd (type bogus) counted; not an edit: no risk
    stats = silver.table(qualified(HOURLY_STATS)).where("event_hour = 16").collect()
    assert all(r["wiki"] is not None for r in stats)


def test_a_dropped_row_stays_out_of_gold_after_a_rebuild(silver):
    """A rebuild of the hour from bronze brings the row back: gold still leaves it out."""
    back = [_row("nowiki", HELD_HOUR, 32, wiki=None, processed_at=datetime(2025, 1, 1))]
    schema = silver.table(qualified(SILVER)).schema
    silver.createDataFrame(back, schema).writeTo(qualified(SILVER)).append()
    gold_batch.run(silver, HOURS)
    assert _gold_events(silver, HELD_HOUR)[0] == 7
    assert quality_check.run(silver, HOURS)["status"] == "passed"


def test_an_aggregate_failure_holds_the_hour_until_released(silver, reader):
    """A blocking rule no single row breaks: the hour is held by a marker, release waives it."""
    at_least = checks.size_at_least("hour_has_100_rows", 100, "at least 100 rows", True)
    rules = (*quality.CONSTRAINTS, at_least)
    q = quality_check.run(silver, [CLEAN_HOUR], constraints=rules)
    result = next(r for r in q["results"] if r["check_name"] == "hour_has_100_rows")
    assert q["status"] == "failed" and result["quarantined"] == 0
    assert "aggregate" in result["quarantine_sample"]
    assert held_hours(reader) == {"2018-03-07T17"}
    with pytest.raises(ResolveError, match="cannot be dropped"):
        drop(silver, Selection(hours=(CLEAN_HOUR,)), "r3")
    out = release(silver, Selection(rules=("hour_has_100_rows",)), "r4")
    assert out["rows"] == 1 and held_hours(reader) == set()
    again = quality_check.run(silver, [CLEAN_HOUR], constraints=rules)
    waived = next(r for r in again["results"] if r["check_name"] == "hour_has_100_rows")
    assert again["status"] == "passed" and "waived" in waived["message"]
