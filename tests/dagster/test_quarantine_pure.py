"""The quarantine's pure parts: rule definitions, selections, the CLI's arguments and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from wikistream_dagster.cli import build_parser
from wikistream_dagster.quarantine import cli as quarantine_cli
from wikistream_dagster.quarantine.commands import Filters, QuarantineError
from wikistream_dagster.spark_jobs.quarantine_resolve import ResolveError, Selection


def test_filters_to_sql_and_job_args():
    f = Filters(hours=("2018-03-07T16",), rules=("type_known",), event_ids=("it's",))
    assert f.where() == (
        "((event_date = DATE '2018-03-07' AND event_hour = 16)) AND rule IN ('type_known') "
        "AND event_id IN ('it''s')"
    )
    assert f.job_args() == [
        "--hours",
        "2018-03-07T16",
        "--rule",
        "type_known",
        "--event-id",
        "it's",
    ]
    assert Filters().where() == "true"


def test_selection_refuses_no_filter_and_quotes_values():
    with pytest.raises(ResolveError, match="--all"):
        Selection().check()
    Selection(everything=True).check()
    sel = Selection(hours=((date(2018, 3, 7), 16),), runs=("r'1",))
    assert "run_id IN ('r''1')" in sel.predicate() and "event_hour IN (16)" in sel.predicate()


def _args(*argv):
    return build_parser().parse_args(["quarantine", *argv])


def test_cli_parses_filters():
    args = _args("drop", "--rule", "a", "b", "--hours", "2018-03-07T16", "--event-id", "x")
    assert (args.action, args.rule, args.hours, args.event_id, args.all) == (
        "drop",
        ["a", "b"],
        ["2018-03-07T16"],
        ["x"],
        False,
    )
    assert _args("list").status == "held"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["release"], "needs a filter"),
        (["drop", "--hours", "yesterday"], "2018-03-07T16"),
    ],
)
def test_cli_refuses_before_spark_with_cause_and_fix(argv, says):
    with pytest.raises(QuarantineError, match=says):
        quarantine_cli.run(_args(*argv), settings=None)  # no settings: nothing was started


def test_list_and_resolve_reports_say_what_and_what_next():
    from wikistream_dagster.quarantine import commands

    listed = {
        "status": "held",
        "counts": [{"hour": "2018-03-07T16", "rule": "type_known", "status": "held", "entries": 2}],
        "latest": [
            {
                "event_id": "e1",
                "hour": "2018-03-07T16",
                "rule": "type_known",
                "status": "held",
                "run_id": "r1",
                "quarantined_at": None,
                "type": "bogus",
                "title": "T",
            }
        ],
        "held_hours": ["2018-03-07T16"],
    }
    lines = commands.list_lines(listed)
    assert lines[0] == "silver.quarantine: 2 entries (held), per hour and rule:"
    assert "type=bogus" in lines[3] and lines[-1].startswith("held hours: 2018-03-07T16")
    assert commands.list_lines(listed | {"counts": [], "held_hours": []}) == [
        "silver.quarantine: no held rows match",
        "held hours: none (nothing waits for an operator)",
    ]
    dropped = {
        "action": "drop",
        "rows": 2,
        "entries_by_rule": {"event_id_unique": 1, "wiki_complete": 1},
        "hours": ["2018-03-07T16"],
        "deleted_from_silver": 2,
        "held_hours": [],
    }
    assert commands.resolve_lines(dropped)[:2] == [
        "dropped 2 rows (event_id_unique=1, wiki_complete=1) in hours 2018-03-07T16",
        "  deleted from silver: 2 rows",
    ]
