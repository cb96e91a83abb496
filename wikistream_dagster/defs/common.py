"""Asset keys, partitions and tags shared by the definitions."""

from __future__ import annotations

import dagster as dg

OWNERS = ["team:data-platform"]
WIKIMEDIA = dg.AssetKey(["wikimedia", "recentchange"])
RAW_TOPIC = dg.AssetKey(["kafka", "raw_events"])
DLQ_TOPIC = dg.AssetKey(["kafka", "dlq_events"])
BRONZE = dg.AssetKey(["bronze", "wiki_events"])
SILVER = dg.AssetKey(["silver", "wiki_events_cleaned"])
QUALITY_HISTORY = dg.AssetKey(["silver", "quality_history"])
HOURLY_STATS = dg.AssetKey(["gold", "hourly_edit_stats"])
ENTITY_TRENDS = dg.AssetKey(["gold", "entity_trends"])
ENTITY_HOURLY = dg.AssetKey(["gold", "entity_hourly"])
RISK_SCORES = dg.AssetKey(["gold", "risk_scores"])
EDITOR_RISK = dg.AssetKey(["gold", "editor_risk"])
GOLD = (HOURLY_STATS, ENTITY_HOURLY, ENTITY_TRENDS, RISK_SCORES, EDITOR_RISK)

# Event hours (UTC). Starts at the bundled 2018 recording so its hours can be backfilled too.
HOURLY = dg.HourlyPartitionsDefinition(start_date="2018-03-07-00:00", end_offset=1)
SINGLE_RUN = dg.BackfillPolicy.single_run()

# Set by the schedule: process new bronze rows up to this snapshot (incremental mode).
BRONZE_SNAPSHOT_TAG = "wikistream/bronze_snapshot_end"


def run_hour_keys(context) -> list[str]:
    """The hour partition keys a run targets (one, or a range for backfills), from its tags."""
    tags = context.run.tags
    if "dagster/partition" in tags:
        return [tags["dagster/partition"]]
    start = tags.get("dagster/asset_partition_range_start")
    end = tags.get("dagster/asset_partition_range_end")
    if start and end:
        return HOURLY.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
    return []


def hours_args(context) -> list[str]:
    """``--hours`` for every hour partition of the run."""
    return [arg for key in run_hour_keys(context) for arg in ("--hours", key)]


def table_name(key: dg.AssetKey) -> str:
    return ".".join(key.path)
