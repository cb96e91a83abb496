"""Asset keys, partitions and tags shared by the definitions."""

from __future__ import annotations

import dagster as dg

from wikistream_dagster.contracts import hours as H

OWNERS = ["team:data-platform"]
WIKIMEDIA_KEY = dg.AssetKey(["wikimedia", "recentchange"])
RAW_TOPIC_KEY = dg.AssetKey(["kafka", "raw_events"])
DLQ_TOPIC_KEY = dg.AssetKey(["kafka", "dlq_events"])
BRONZE_KEY = dg.AssetKey(["bronze", "wiki_events"])
SILVER_KEY = dg.AssetKey(["silver", "wiki_events_cleaned"])
QUALITY_HISTORY_KEY = dg.AssetKey(["silver", "quality_history"])
HOURLY_STATS_KEY = dg.AssetKey(["gold", "hourly_edit_stats"])
ENTITY_TRENDS_KEY = dg.AssetKey(["gold", "entity_trends"])
ENTITY_HOURLY_KEY = dg.AssetKey(["gold", "entity_hourly"])
RISK_SCORES_KEY = dg.AssetKey(["gold", "risk_scores"])
EDITOR_RISK_KEY = dg.AssetKey(["gold", "editor_risk"])
GOLD_KEYS = (
    HOURLY_STATS_KEY,
    ENTITY_HOURLY_KEY,
    ENTITY_TRENDS_KEY,
    RISK_SCORES_KEY,
    EDITOR_RISK_KEY,
)

# Event hours (UTC) from the first hour bronze accepts (the bundled 2018 recording's day).
HOURLY = dg.HourlyPartitionsDefinition(
    start_date=f"{H.PARTITION_START.isoformat()}-00:00", end_offset=1
)
SINGLE_RUN = dg.BackfillPolicy.single_run()
# One medallion writer at a time in every deployment: dagster.yaml limits each pool to one run
# (granularity: run), and silver and gold are the only assets in this pool.
MEDALLION_POOL = "medallion"

# Set by the schedule / eager sensor: bronze's newest snapshot when the run was requested (the
# hours were chosen from it). Silver reads at least that far: up to bronze's newest snapshot
# when its stage starts, and records where it stopped (its pointer, gold's bronze-snapshot-id).
BRONZE_SNAPSHOT_TAG = "wikistream/bronze_snapshot_end"
# ... silver's bronze pointer when the run was requested (equal to the above: no new rows then).
SILVER_FROM_TAG = "wikistream/bronze_snapshot_start"
# The exact hours the run rebuilds (``2018-03-07T16,2018-03-08T09``, contracts/hours.py form);
# the partition range tags span them, the hours in between are left alone.
HOURS_TAG = "wikistream/hours"
# Gold records it: every silver write up to this snapshot is in gold once the run's gold lands.
SETTLED_TAG = "wikistream/silver_settled"


def run_hours(context) -> list[H.Hour]:
    """The hours a run rebuilds: its hour list, else its partition (range) for backfills."""
    tags = context.run.tags
    if tags.get(HOURS_TAG):
        return H.parse_hours([tags[HOURS_TAG]])
    if "dagster/partition" in tags:
        keys = [tags["dagster/partition"]]
    else:
        start = tags.get("dagster/asset_partition_range_start")
        end = tags.get("dagster/asset_partition_range_end")
        keys = (
            HOURLY.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
            if start and end
            else []
        )
    return H.parse_hours(keys)


def hours_args(context) -> list[str]:
    """``--hours`` with every hour the run rebuilds (none: empty)."""
    hours = run_hours(context)
    return ["--hours", H.format_hours(hours)] if hours else []


def table_name(key: dg.AssetKey) -> str:
    return ".".join(key.path)
