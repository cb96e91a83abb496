"""Gold: hourly statistics, unusual entities and risk scores, recomputed for affected hours.

Specs only: the medallion op (``defs/medallion.py``) writes every gold table in one step.
"""

from datetime import timedelta

import dagster as dg

from wikistream_dagster.defs.common import (
    EDITOR_RISK_KEY,
    ENTITY_HOURLY_KEY,
    ENTITY_TRENDS_KEY,
    HOURLY,
    HOURLY_STATS_KEY,
    RISK_SCORES_KEY,
    SILVER_KEY,
)
from wikistream_dagster.defs.schemas import table_asset

FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(minutes=20), warn_window=timedelta(minutes=10)
)
DESCRIPTIONS = {
    HOURLY_STATS_KEY: "Per wiki and hour: events by type, edits, new pages, distinct editors, bot "
    "and anonymous shares, bytes added/removed, mean and p95 absolute byte delta.",
    ENTITY_HOURLY_KEY: "Per wiki, hour and entity (page or editor): events. Rewritten with the "
    "hour's gold; the trends read their 24-hour baseline here instead of rescanning silver.",
    ENTITY_TRENDS_KEY: "Pages and editors whose activity in the hour is unusual against their own "
    "trailing baseline: z-like score and rank.",
    RISK_SCORES_KEY: "Per edit, a 0-1 vandalism/anomaly risk score with the reasons that "
    "contributed (see README: Risk scoring).",
    EDITOR_RISK_KEY: "Per editor and hour: edits, mean/max risk, risky edits and their reasons.",
}


gold_specs = [
    table_asset(
        key,
        SILVER_KEY,
        desc,
        partitions_def=HOURLY,
        freshness_policy=FRESHNESS,
        # not written when a blocking check on silver fails in the same run
        skippable=True,
    )
    for key, desc in DESCRIPTIONS.items()
]
