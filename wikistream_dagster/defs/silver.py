"""Silver: cleaned, deduplicated events, and the Deequ quality gate on them (blocking checks).

Specs only: the medallion op (``defs/medallion.py``) materializes silver, runs the checks and
writes gold in one Spark application.
"""

import dagster as dg

from wikistream_dagster.contracts.checks import CONSTRAINTS
from wikistream_dagster.defs.common import (
    BRONZE_KEY,
    HOURLY,
    QUALITY_HISTORY_KEY,
    SILVER_KEY,
)
from wikistream_dagster.defs.schemas import table_asset

silver_spec = table_asset(
    SILVER_KEY,
    BRONZE_KEY,
    "Bronze events deduplicated and normalised: UTC event time, wiki/domain, "
    "namespace, title, user, bot and anonymous (IP) flags, revision ids, byte delta, log fields. "
    "Scheduled runs process the bronze rows not processed yet (up to bronze's newest snapshot "
    "when silver starts); a manual run or backfill of hour partitions rebuilds those hours from "
    "bronze.",
    partitions_def=HOURLY,
)

quality_specs = [
    dg.AssetCheckSpec(
        c.name,
        asset=SILVER_KEY,
        blocking=c.blocking,
        description=f"Deequ: {c.description}"
        + (
            " (blocking: failing stops gold; the violating rows go to silver.quarantine "
            "and hold their hour until `./wikistream quarantine release|drop`)"
            if c.blocking
            else " (warning)"
        ),
    )
    for c in CONSTRAINTS
]

quality_history = table_asset(
    QUALITY_HISTORY_KEY,
    SILVER_KEY,
    "Every Deequ constraint result of every quality run (appended by the quality "
    "job): trend the metrics over time with `./wikistream query`.",
    kinds=frozenset({"iceberg"}),
)

defs = dg.Definitions(assets=[quality_history])
