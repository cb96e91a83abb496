"""What each stage has covered: the snapshot-summary properties both sides read and write.

Every stage commits its bookkeeping in the Iceberg snapshot summary of the very commit that
lands its rows, so a pointer can never claim rows that did not land (standard library only:
the Spark jobs write these, the Dagster schedule and sensors read them).

- silver: ``bronze-snapshot-id`` (bronze processed up to, incremental runs) and ``hours`` (the
  hours the commit wrote);
- gold, on every table: ``silver-snapshot-id`` (the silver snapshot the run read), ``hours``
  (the hours it rebuilt), ``bronze-snapshot-id`` (silver's bronze pointer at that snapshot: which
  bronze rows gold can show) and, for runs the automation requested, ``silver-settled-id``:
  every silver write up to that snapshot is in gold once this commit lands, so the next tick
  reads only later silver snapshots.
"""

from __future__ import annotations

PREFIX = "wikistream."
BRONZE_SNAPSHOT = PREFIX + "bronze-snapshot-id"
SILVER_SNAPSHOT = PREFIX + "silver-snapshot-id"
SILVER_SETTLED = PREFIX + "silver-settled-id"
HOURS = PREFIX + "hours"
RUN_ID = PREFIX + "run-id"


def hour_list(summary: dict[str, str]) -> list[str]:
    """The ``hours`` property of a snapshot summary as a list (empty when absent)."""
    return [h for h in summary.get(HOURS, "").split(",") if h]
