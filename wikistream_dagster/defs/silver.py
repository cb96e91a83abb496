"""Silver: cleaned, deduplicated events, and the Deequ quality gate on them (blocking checks).

Specs only: the medallion op (``defs/medallion.py``) materializes silver, runs the checks and
writes gold in one Spark application.
"""

import dagster as dg

from wikistream_dagster.contracts.checks import CONSTRAINTS
from wikistream_dagster.contracts.tables import QUALITY_HISTORY_TABLE, SILVER_TABLE
from wikistream_dagster.defs.common import (
    BRONZE_KEY,
    HOURLY,
    OWNERS,
    QUALITY_HISTORY_KEY,
    SILVER_KEY,
)
from wikistream_dagster.defs.schemas import table_metadata

silver_spec = dg.AssetSpec(
    SILVER_KEY,
    deps=[BRONZE_KEY],
    group_name="silver",
    kinds={"spark", "iceberg"},
    owners=OWNERS,
    description="Bronze events deduplicated and normalised: UTC event time, wiki/domain, "
    "namespace, title, user, bot and anonymous (IP) flags, revision ids, byte delta, log fields. "
    "Scheduled runs process the bronze rows not processed yet (up to bronze's newest snapshot "
    "when silver starts); a manual run or backfill of hour partitions rebuilds those hours from "
    "bronze.",
    metadata=table_metadata(SILVER_TABLE),
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

quality_history = dg.AssetSpec(
    QUALITY_HISTORY_KEY,
    deps=[SILVER_KEY],
    group_name="silver",
    kinds={"iceberg"},
    owners=OWNERS,
    description="Every Deequ constraint result of every quality run (appended by the quality "
    "job): trend the metrics over time with `./wikistream query`.",
    metadata=table_metadata(QUALITY_HISTORY_TABLE),
)

defs = dg.Definitions(assets=[quality_history])
