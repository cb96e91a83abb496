"""The ``bronze_reconciliation`` checks: Kafka offsets and DLQ rate from bronze's snapshots.

The running ``Tally`` lives in the check's own metadata, so each evaluation reads only the
snapshots committed since the previous one.
"""

import dagster as dg

from wikistream_dagster.contracts.tables import BRONZE_TABLE
from wikistream_dagster.defs.common import BRONZE_KEY
from wikistream_dagster.defs.reconcile import Tally
from wikistream_dagster.resources.lake import LakeReader

TALLY_KEY = "reconcile_tally"  # the running reconciliation, kept in the check's own metadata
DLQ_RATE_WARN = 0.01


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "kafka_offsets_reconciled",
            asset=BRONZE_KEY,
            description="Every Kafka offset of raw-events was consumed by a bronze "
            "batch (no gaps); consumed records = inserted + dead-lettered + canary "
            "+ already present (exactly-once made visible).",
        ),
        dg.AssetCheckSpec(
            "dlq_rate",
            asset=BRONZE_KEY,
            description=f"Warns when more than {DLQ_RATE_WARN:.0%} of the records "
            "bronze read went to dlq-events.",
        ),
    ],
    can_subset=False,
)
def bronze_reconciliation(context: dg.AssetCheckExecutionContext, lake: LakeReader):
    """Adds only the snapshots committed since its last evaluation to the running tally."""
    tally = previous_tally(context.instance)
    new, found = lake.snapshots_since(BRONZE_TABLE, tally.last_snapshot_id)
    if not found:  # first run, expired cursor or a recreated table: from what the table holds
        tally = Tally()
    r = tally.add(new).result()
    meta = {k: (dg.MetadataValue.json(v) if isinstance(v, dict) else v) for k, v in r.items()}
    meta |= {"snapshots_added": len(new), TALLY_KEY: tally.to_json()}
    yield dg.AssetCheckResult(
        check_name="kafka_offsets_reconciled",
        asset_key=BRONZE_KEY,
        passed=not r["offset_gaps"],
        metadata=meta,
    )
    yield dg.AssetCheckResult(
        check_name="dlq_rate",
        asset_key=BRONZE_KEY,
        passed=r["dlq_rate"] <= DLQ_RATE_WARN,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "dlq_rate": r["dlq_rate"],
            "dead_lettered": r["dead_lettered"],
            "records_read": r["records_read"],
        },
    )


def previous_tally(instance: dg.DagsterInstance) -> Tally:
    """The tally the last finished ``kafka_offsets_reconciled`` evaluation stored, or empty."""
    key = dg.AssetCheckKey(BRONZE_KEY, "kafka_offsets_reconciled")
    for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=5):
        event = record.event.dagster_event if record.event else None
        metadata = getattr(event.event_specific_data, "metadata", None) if event else None
        if metadata and TALLY_KEY in metadata:
            return Tally.from_json(metadata[TALLY_KEY].value)
    return Tally()
