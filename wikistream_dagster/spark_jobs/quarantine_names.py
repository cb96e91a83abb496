"""The quarantine's contract between the Spark jobs, Dagster and the CLI (standard library only).

One home for the table name, the statuses and the snapshot-summary keys, so the writer (Spark)
and the readers (the schedule's ``held_hours``, ``./wikistream quarantine list``) agree.
"""

from __future__ import annotations

QUARANTINE = "silver.quarantine"

HELD = "held"  # the row waits for an operator; its hour is held (not scheduled, not in gold)
RELEASED = "released"  # accepted as it is: the checks skip it and gold reads it
DROPPED = "dropped"  # deleted from silver; gold never reads it, even if silver is rebuilt
STATUSES = (HELD, RELEASED, DROPPED)

# Every quarantine commit carries these in its Iceberg snapshot summary.
HOURS_KEY = "wikistream.hours"  # the hours whose quarantine changed (2018-03-07T16,...)
ACTION_KEY = "wikistream.quarantine-action"  # hold | release | drop
RUN_KEY = "wikistream.run-id"
HOLD, RELEASE, DROP = "hold", "release", "drop"
