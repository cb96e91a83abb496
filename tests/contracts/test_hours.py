"""The hour contract: one string form, its partition key, and the lists that travel."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wikistream_dagster.contracts.hours import Hour, format_hours, parse_hours
from wikistream_dagster.defs.automation import hour_to_key, in_partitions
from wikistream_dagster.defs.pending import bronze_hours


def test_one_string_form_and_the_partition_key():
    h = Hour.parse("2018-03-07T16")
    assert h == (date(2018, 3, 7), 16) and str(h) == "2018-03-07T16"
    assert h.partition_key == "2018-03-07-16:00"
    assert Hour.parse(h.partition_key) == h  # the key maps back
    assert Hour.parse("2018-03-07 16:59:59.25") == h  # a timestamp within the hour
    assert Hour.parse("2018-03-07T16:00:00Z") == h
    assert h.shift(8) == Hour(date(2018, 3, 8), 0) and h.start == datetime(2018, 3, 7, 16)


@pytest.mark.parametrize("bad", ["2018-03-07", "2018-03-07T24", "2018-13-07T01", "x", "None"])
def test_bad_hours_say_the_form(bad):
    with pytest.raises(ValueError, match="2018-03-07T16|00-23"):
        Hour.parse(bad)


def test_lists_round_trip_sorted_and_unique():
    hours = parse_hours(["2018-03-07T17,2018-03-07T16", "2018-03-07-16:00"])
    assert [str(h) for h in hours] == ["2018-03-07T16", "2018-03-07T17"]
    assert format_hours(hours) == "2018-03-07T16,2018-03-07T17"
    assert parse_hours([format_hours(hours)]) == hours
    assert format_hours([(date(2018, 3, 7), 16), Hour(date(2018, 3, 7), 16)]) == "2018-03-07T16"


def test_dagster_side_uses_the_contract():
    assert hour_to_key("2026-11-26T09") == "2026-11-26-09:00"
    assert in_partitions("2018-03-07T00") and not in_partitions("2018-03-06T23")
    assert not in_partitions("garbage")
    # bronze's max event time names the hour when a batch lists none
    summary = {"wikistream.max-event-time": "2018-03-07 16:30:00"}
    assert bronze_hours([{"summary": summary}]) == {"2018-03-07T16"}
