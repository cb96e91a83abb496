"""Lake maintenance as a Dagster job: compaction, manifest rewrites and snapshot expiry.

Bronze gains a snapshot every 30 s, so it is maintained hourly; silver and gold change every
few minutes and are maintained daily. The Spark job (``spark_jobs/maintenance.py``) keeps every
snapshot a stage still reads from; what it did per table comes back as metadata and as an
observation of each table's asset (files before and after, snapshots expired, manifests).
"""

import dagster as dg

from wikistream_dagster.contracts.tables import ALL_TABLES, BRONZE_TABLE, QUARANTINE_TABLE
from wikistream_dagster.resources.spark_runner import SparkJobRunner

BRONZE_TABLES = [BRONZE_TABLE]
# Every other table, so a new one is not left out (gold.entity_hourly was); the quarantine,
# which has no asset and changes only when a check fails or a row is resolved, is not maintained.
DAILY_TABLES = [t for t in ALL_TABLES if t not in (BRONZE_TABLE, QUARANTINE_TABLE)]
SHOWN = (
    "data_files_before",
    "data_files_after",
    "snapshots_before",
    "snapshots_after",
    "snapshots_expired",
    "manifests_rewritten",
    "rewritten_files",
    "deleted_data_files",
)


class MaintenanceConfig(dg.Config):
    tables: list[str] = BRONZE_TABLES
    retain_hours: float = 24.0
    retain_last: int = 50
    # Issue 14: snapshots from before a redaction are expired; a stage's resume point at most
    # this long (Settings.redaction_expire_hours).
    redaction_expire_hours: float = 24.0


def maintenance_args(config: MaintenanceConfig) -> list[str]:
    """The Spark job's arguments for ``config``."""
    args = [arg for table in config.tables for arg in ("--table", table)]
    return args + [
        "--retain-hours",
        str(config.retain_hours),
        "--retain-last",
        str(config.retain_last),
        "--redaction-expire-hours",
        str(config.redaction_expire_hours),
    ]


@dg.op(description="Compact, rewrite manifests and expire snapshots of the configured tables.")
def maintain_tables(
    context: dg.OpExecutionContext, config: MaintenanceConfig, spark: SparkJobRunner
) -> dg.Output[dict]:
    done = spark.run(context, "maintenance", maintenance_args(config))
    messages = done.get_custom_messages() if hasattr(done, "get_custom_messages") else []
    tables = next((m["maintenance"]["tables"] for m in messages if "maintenance" in m), {})
    for table, figures in tables.items():
        context.log_event(
            dg.AssetObservation(
                dg.AssetKey(table.split(".")),
                metadata={k: figures[k] for k in SHOWN if figures.get(k) is not None},
            )
        )
    total = {
        "tables": len(tables),
        "snapshots_expired": sum(f.get("snapshots_expired", 0) for f in tables.values()),
        "manifests_rewritten": sum(f.get("manifests_rewritten", 0) for f in tables.values()),
        "per_table": dg.MetadataValue.json(tables),
    }
    return dg.Output(tables, metadata=total)


@dg.job(description="Iceberg maintenance of the lake's tables (see the two schedules).")
def maintenance():
    maintain_tables()


def _schedule(name: str, cron: str, tables: list[str], autostart: bool, expire_h: float):
    status = dg.DefaultScheduleStatus.RUNNING if autostart else dg.DefaultScheduleStatus.STOPPED
    return dg.ScheduleDefinition(
        name=name,
        job=maintenance,
        cron_schedule=cron,
        run_config={
            "ops": {
                "maintain_tables": {
                    "config": {"tables": tables, "redaction_expire_hours": expire_h}
                }
            }
        },
        default_status=status,
        execution_timezone="UTC",
    )


def build_defs(autostart: bool = True, redaction_expire_hours: float = 24.0) -> dg.Definitions:
    return dg.Definitions(
        jobs=[maintenance],
        schedules=[
            _schedule(
                "maintenance_bronze_hourly",
                "17 * * * *",
                BRONZE_TABLES,
                autostart,
                redaction_expire_hours,
            ),
            _schedule(
                "maintenance_daily", "47 3 * * *", DAILY_TABLES, autostart, redaction_expire_hours
            ),
        ],
    )
