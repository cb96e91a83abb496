"""The check registry (contracts/checks.py) as Deequ evaluates it: pure, no Spark session."""

from __future__ import annotations

import pytest

from wikistream_dagster.contracts.checks import CONSTRAINTS
from wikistream_dagster.spark_jobs.transforms import quality


class RecordingCheck:
    """Stands in for pydeequ's ``Check`` builder: records the constraint it is given."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, method):
        def record(*args, **kwargs):
            self.calls.append((method, args))
            return self

        return record


@pytest.mark.parametrize("c", [c for c in CONSTRAINTS if c.blocking], ids=lambda c: c.name)
def test_every_blocking_rule_has_the_row_rule_deequ_measures(c):
    check = RecordingCheck()
    quality.add_to(check, c)
    [(method, args)] = check.calls
    if method == "satisfies":
        assert args[0] == c.row_ok  # the very SQL Deequ evaluates
    elif method == "isComplete":
        assert c.row_ok == f"{args[0]} IS NOT NULL"
    else:
        assert (method, args[0]) == ("isUnique", c.unique_key)


def test_every_rule_becomes_one_deequ_call_named_like_its_check():
    for c in CONSTRAINTS:
        check = RecordingCheck()
        quality.add_to(check, c)
        [(method, args)] = check.calls
        assert method in {"isComplete", "isUnique", "satisfies"}, c.name
        if method == "satisfies":
            assert args[1] == c.name


def test_the_registry_keeps_its_check_names():
    """Check names are asset-check keys in Dagster's history: renaming one loses its history."""
    assert [(c.name, c.blocking) for c in CONSTRAINTS] == [
        ("event_id_complete", True),
        ("event_time_complete", True),
        ("event_id_unique", True),
        ("wiki_complete", True),
        ("type_known", True),
        ("event_time_not_future", True),
        ("event_time_plausible", False),
        ("namespace_in_range", False),
        ("title_length", False),
        ("user_length", False),
        ("comment_length", False),
        ("byte_delta_plausible", False),
        ("revision_ids_increase", False),
        ("wiki_domain_consistent", False),
    ]
