"""The scale half of ``bench bronze``: MERGE with >= 10 M rows in bronze, and the supervisor's
tick with >= 10,000 bronze snapshots (issue #11). Skipped with ``--no-scale``.

Both are built cheaply in a child Spark driver: the rows are synthetic (uuid-shaped ids, small
payloads: the MERGE reads only ids and hours of the hours it touches) spread over many hour
partitions from the measured hour on; the snapshots are empty appends with bronze-shaped
summaries, committed in one Iceberg transaction (one metadata write, not 10,000). The MERGE
batches are then real bronze runs on a Kafka backlog, and the tick is the real sensor function.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime

import dagster as dg

from wikistream_dagster.config import RAW_TOPIC, Settings
from wikistream_dagster.contracts.tables import BRONZE_TABLE
from wikistream_dagster.local import spark_submit

log = logging.getLogger(__name__)

ROWS = 10_000_000
SNAPSHOTS = 10_000
CHUNK = 500  # snapshots per transaction
HOURS = 720  # synthetic rows spread over 30 days from the measured hour on (inside partitions)


def spark_child(settings: Settings, main: str, *args: str, timeout: float = 3600) -> str:
    """Run ``main`` (``module:function``, given ``catalog_uri jars_dir *args``) in its own Spark
    driver, stopped when it exits; return its last stdout line."""
    module, function = main.split(":")
    code = f"import sys; from {module} import {function}; sys.exit({function}(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, settings.catalog_uri, str(settings.jars_dir), *args]
    env = spark_submit.spark_submit_env(settings)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"bench step {function} {args[0]} failed: {_cause(proc.stderr)}")
    return proc.stdout.strip().splitlines()[-1]


def _child(settings: Settings, *args: str) -> str:
    return spark_child(settings, f"{__name__}:child_main", *args)


def fill_rows(settings: Settings, rows: int, hour: str) -> int:
    """Append synthetic rows until bronze holds >= ``rows``; returns bronze's row count."""
    return int(_child(settings, "rows", str(rows), hour))


def add_snapshots(settings: Settings, count: int) -> int:
    """Commit ``count`` empty bronze-shaped snapshots; returns bronze's snapshot count."""
    return int(_child(settings, "snapshots", str(count)))


def child_main(argv: list[str]) -> int:
    """``catalog_uri jars_dir rows N LAST_HOUR`` | ``catalog_uri jars_dir snapshots N``."""
    from pathlib import Path

    from wikistream_dagster.local.spark_jars import spark_jars
    from wikistream_dagster.spark_jobs.catalog_conf import CatalogConfig
    from wikistream_dagster.spark_jobs.session import build_session

    uri, jars_dir, what, n = argv[0], argv[1], argv[2], int(argv[3])
    jars = ",".join(str(j) for j in spark_jars(Path(jars_dir)))
    spark = build_session(
        "wikistream-bench-scale",
        CatalogConfig(uri=uri),
        master="local[2]",
        conf={"spark.jars": jars, "spark.ui.enabled": "false", "spark.driver.memory": "2g"},
    )
    from wikistream_dagster.spark_jobs.tables import BRONZE, ensure_tables

    ensure_tables(spark, BRONZE)
    out = _rows(spark, n, argv[4]) if what == "rows" else _snapshots(spark, n)
    print(out)  # noqa: T201 - read by the parent
    spark.stop()
    return 0


def _rows(spark, target: int, hour: str) -> int:
    from pyspark.sql import functions as F

    from wikistream_dagster.spark_jobs.tables import BRONZE, qualified

    table = spark.table(qualified(BRONZE))
    missing = target - table.count()
    if missing > 0:
        start = int(datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC).timestamp())
        h = F.md5(F.concat(F.lit("bench-scale-"), F.col("id").cast("string")))
        uuid = F.concat_ws(
            "-", *(F.substring(h, a, b) for a, b in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
        )
        # Hours cycle over HOURS from the measured one; seconds scatter within each hour.
        seconds = F.lit(start) + (F.col("id") % HOURS) * 3600 + (F.col("id") * 7919) % 3600
        ts = F.timestamp_seconds(seconds)
        rows = spark.range(0, missing, 1, 8).select(
            uuid.alias("event_id"),
            ts.alias("event_time"),
            F.to_date(ts).alias("event_date"),
            F.hour(ts).alias("event_hour"),
            F.lit("wikidatawiki").alias("wiki"),
            F.lit("edit").alias("type"),
            F.concat(F.lit('{"meta":{"id":"'), uuid, F.lit('"}}')).alias("raw_json"),
            F.lit("bench-scale").alias("kafka_topic"),
            F.lit(-1).alias("batch_id"),
        )
        rows = table.limit(0).unionByName(rows, allowMissingColumns=True)
        # Sorted by hour, one open file per task (a fanout writer over 720 hours runs out of
        # a 1 GB heap).
        rows = rows.sortWithinPartitions("event_date", "event_hour")
        rows.writeTo(qualified(BRONZE)).option("fanout-enabled", "false").append()
    return spark.table(qualified(BRONZE)).count()


def _snapshots(spark, count: int) -> int:
    """Empty appends, ``CHUNK`` per transaction: the snapshots are real, their metadata written
    once a chunk. (One transaction of 10,000 ran the driver out of a 2 GB heap: every commit in
    a transaction copies the growing snapshot and change lists.)"""
    from wikistream_dagster.contracts import snapshot as S
    from wikistream_dagster.spark_jobs import iceberg
    from wikistream_dagster.spark_jobs.tables import BRONZE

    for first in range(0, count, CHUNK):
        txn = iceberg._java_table(spark, BRONZE).newTransaction()
        for i in range(first, min(count, first + CHUNK)):
            offsets = json.dumps({RAW_TOPIC: {"0": [i * 400, i * 400 + 400]}})
            (
                txn.newFastAppend()
                .set(S.BATCH_ID, str(1_000_000 + i))
                .set(S.KAFKA_OFFSETS, offsets)
                .set(S.RECORDS, "400")
                .set(S.HOURS, "2018-03-07T16")
                .commit()
            )
        txn.commitTransaction()
        log.info("bench scale: snapshots committed", extra={"done": min(count, first + CHUNK)})
    return iceberg._java_table(spark, BRONZE).operations().current().snapshots().size()


class _Running:
    """The stream as the sensor sees a healthy running job (no start, stop or lag)."""

    def status(self):
        from wikistream_dagster.resources.streaming import StreamStatus

        return StreamStatus(True, time.time() - 60, "bench", "bench")

    def progress(self):
        return None

    def last_failure(self):
        return None


class _Quiet:
    def end_offsets(self, topic):
        return {}

    def alert(self, subject, message):
        pass

    def publish(self, values):
        pass

    def health(self):
        return None


def sensor_tick_s(settings: Settings) -> dict:
    """The real supervisor tick against bronze in the bench catalog: one tick with a cursor
    just behind the newest snapshot (the steady case), and a first tick without a cursor."""
    from wikistream_dagster.defs.bronze import bronze_supervisor
    from wikistream_dagster.defs.supervision import Cursor
    from wikistream_dagster.local.catalog import warehouse_uri
    from wikistream_dagster.resources.lake import LakeReader

    lake = LakeReader(uri=settings.catalog_uri, warehouse=warehouse_uri(settings))
    snaps = lake.snapshots(BRONZE_TABLE)
    out = {"snapshots": len(snaps)}
    for name, cursor in (
        ("steady", Cursor(last_snapshot_id=snaps[-2]["snapshot_id"]).to_json()),
        ("first", None),
    ):
        quiet = _Quiet()
        ctx = dg.build_sensor_context(
            instance=dg.DagsterInstance.ephemeral(),
            cursor=cursor,
            resources={
                "streaming": _Running(),
                "lake": lake,
                "kafka": quiet,
                "alerter": quiet,
                "metrics": quiet,
                "producer": quiet,
            },
        )
        started = time.monotonic()
        result = bronze_supervisor(ctx)
        out[f"{name}_s"] = round(time.monotonic() - started, 3)
        out[f"{name}_events"] = len(result.asset_events)
    log.info("bench sensor tick", extra=out)
    return out


def _cause(stderr: str) -> str:
    """The Python error line and the first Java exception line of a failed child."""
    lines = stderr.splitlines()
    picked = [x for x in lines if "Error" in x or "Exception" in x][:4]
    return " | ".join(picked) or stderr[-1000:]
