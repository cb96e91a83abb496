"""The quarantine's contract between the Spark jobs, Dagster and the CLI (standard library only).

One home for the table name (from ``tables.toml``), the statuses and the snapshot-summary keys,
so the writer (Spark) and the readers (the schedule's ``held_hours``, ``./wikistream quarantine
list``) agree.
"""

from __future__ import annotations

from wikistream_dagster.contracts.tables import QUARANTINE_TABLE

QUARANTINE = QUARANTINE_TABLE

HELD = "held"  # the row waits for an operator; its hour is held (not scheduled, not in gold)
RELEASED = "released"  # accepted as it is: the checks skip it and gold reads it
DROPPED = "dropped"  # deleted from silver; gold never reads it, even if silver is rebuilt
STATUSES = (HELD, RELEASED, DROPPED)

# Every quarantine commit carries in its Iceberg snapshot summary (contracts/snapshot.py) the
# hours whose quarantine changed (``HOURS``), its action (``QUARANTINE_ACTION``, one of these)
# and its run id (``RUN_ID``).
HOLD, RELEASE, DROP = "hold", "release", "drop"
