"""Which hours the quarantine holds, read without Spark (pyiceberg): for the schedule and CLI.

An hour is *held* while ``silver.quarantine`` has a held row or hour marker in it: the schedule
does not request it (its failure alerted once), until ``./wikistream quarantine release|drop``
resolves it. Each quarantine commit names the hours it changed in its snapshot summary
(``wikistream.hours``) with its action (hold|release|drop), so a reader following snapshots
with a cursor sees when an hour becomes pending again without scanning the table.
"""

from __future__ import annotations

from typing import Any

from wikistream_dagster.contracts import hours as H
from wikistream_dagster.contracts import quarantine as Q
from wikistream_dagster.contracts import snapshot as S
from wikistream_dagster.resources.lake import LakeReader


def _catalog(lake: LakeReader | Any) -> Any:
    return lake.catalog() if isinstance(lake, LakeReader) else lake


def held_hours(lake: LakeReader | Any) -> set[str]:
    """Hours (``2018-03-07T16``) with unresolved quarantined rows; empty if no quarantine yet.

    Args:
        lake: the ``LakeReader`` resource, or a pyiceberg catalog.
    """
    from pyiceberg.exceptions import NoSuchTableError
    from pyiceberg.expressions import EqualTo

    try:
        table = _catalog(lake).load_table(Q.QUARANTINE)
    except NoSuchTableError:
        return set()
    held = table.scan(
        row_filter=EqualTo("status", Q.HELD), selected_fields=("event_date", "event_hour")
    ).to_arrow()
    dates, hours = held.column("event_date").to_pylist(), held.column("event_hour").to_pylist()
    pairs = zip(dates, hours, strict=True)
    return {H.format_hour((d, h)) for d, h in pairs}


def resolved_hours(
    lake: LakeReader, after_snapshot_id: int | None = None
) -> tuple[set[str], int | None]:
    """Hours released or dropped in quarantine commits after ``after_snapshot_id``.

    Returns:
        The hours and the newest snapshot id seen (the next cursor; unchanged if none).
    """
    snaps = lake.snapshots(Q.QUARANTINE, after_snapshot_id)
    hours = {
        hour
        for s in snaps
        if s["summary"].get(S.QUARANTINE_ACTION) in (Q.RELEASE, Q.DROP)
        for hour in S.hour_list(s["summary"])
    }
    return hours, (snaps[-1]["snapshot_id"] if snaps else after_snapshot_id)
