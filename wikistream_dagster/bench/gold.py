"""Gold's cost with a day of history: does one hour's gold still cost one hour's work?

In a scratch state directory (its own local catalog and warehouse, removed afterwards), one
Spark driver launched like the jobs (spark-submit, local[2], the jobs' driver memory):

1. Silver gets 24 hours of history at the live rate (>= 2.5 M rows), bulk-appended through
   Spark, and ``gold.entity_hourly`` gets their aggregates, as the gold runs of those hours
   would have left them (setup, not measured).
2. One new hour at the same rate goes into bronze; the real jobs' ``run()`` functions then take
   it through silver, the quality checks and gold (``hour_batch_s``; ``gold_s`` for gold).
3. The trends alone (written nowhere), as gold computes them now (``trends_s``) and as before
   ``gold.entity_hourly``, by rescanning the 25 hours of silver (``rescan_trends_s``).

The rows take their shape (types, namespaces, sizes, comments, log fields) from the bundled
recording; wikis follow a live-like mix, pages and editors a heavy-tailed popularity (a few
bots and pages take many edits, most appear once an hour), 30 % of events are bots' and 5 %
anonymous; ids and times are new, spread evenly over each hour. The timings are in a warm JVM:
a spark-submit run adds its start-up. The machine may be shared: the figures are indicative.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from wikistream_dagster.bench.gold_redact import deletion_time, redact_one_page
from wikistream_dagster.config import RAW_TOPIC, Settings

log = logging.getLogger(__name__)

HISTORY_ROWS = 2_600_000  # 24 hours at the live rate (issue 11: >= 2.5 M)
HISTORY_HOURS = 24
FIRST_HOUR = datetime(2026, 11, 1, 0, tzinfo=UTC)
DRIVER_MEMORY = "1g"  # what the Dagster runner gives the jobs
# Live-like share of events per wiki (the rest spread over smaller wikis below).
WIKIS = {
    "wikidatawiki": 0.30,
    "commonswiki": 0.18,
    "enwiki": 0.14,
    "dewiki": 0.04,
    "frwiki": 0.035,
    "enwiktionary": 0.02,
    "eswiki": 0.03,
    "ruwiki": 0.03,
    "jawiki": 0.02,
    "itwiki": 0.02,
}
SMALL_WIKIS = ("zh", "pt", "pl", "nl", "sv", "uk", "ar", "fa", "he", "id", "ko", "cs", "fi")
PAGES = 5_000_000  # per wiki; popularity ~ r**2 (the top page: ~0.05 % of a wiki's events)
BOTS, HUMANS, IPS = 400, 300_000, 200_000
BOT_SHARE, ANON_SHARE = 0.30, 0.05


def _domain(wiki: str) -> str:
    special = {
        "wikidatawiki": "www.wikidata.org",
        "commonswiki": "commons.wikimedia.org",
        "enwiktionary": "en.wiktionary.org",
    }
    return special.get(wiki) or f"{wiki.removesuffix('wiki')}.wikipedia.org"


def _shaped(spark, template, rows: int, first: datetime, hours: int, tag: str, seed: int):
    """``rows`` rows shaped like ``template`` (bronze or silver columns) over ``hours`` hours."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = Window.orderBy(F.monotonically_increasing_id())
    t = template.withColumn("_tid", F.row_number().over(order) - 1).cache()
    n_templates = t.count()
    share = 1.0 - sum(WIKIS.values())
    mix = list(WIKIS.items()) + [(f"{s}wiki", share / len(SMALL_WIKIS)) for s in SMALL_WIKIS]
    # Each draw is a column first: an expression using rand() twice would draw twice.
    pick, who, tail, page = (F.col(f"_r{k}") for k in range(4))
    acc, wiki = 0.0, None
    for name, p in mix:  # CASE WHEN r < cumulative share THEN wiki ...
        acc += p
        wiki = F.when(pick < acc, name) if wiki is None else wiki.when(pick < acc, name)
    wiki = wiki.otherwise(mix[-1][0])
    domains = F.create_map(*[x for name, _ in mix for x in (F.lit(name), F.lit(_domain(name)))])
    bot = who < BOT_SHARE
    anon = who >= 1 - ANON_SHARE
    user = (
        F.when(bot, F.concat(F.lit("Bot"), F.floor(F.pow(tail, 3) * BOTS).cast("string")))
        .when(
            anon,
            F.concat_ws(
                ".",
                F.lit("10"),
                *[(F.floor(tail * IPS / 256**k) % 256).cast("string") for k in (2, 1, 0)],
            ),
        )
        .otherwise(F.concat(F.lit("Editor"), F.floor(F.pow(tail, 3) * HUMANS).cast("string")))
    )
    title = F.concat(F.lit("Page_"), F.floor(F.pow(page, 2) * PAGES).cast("string"))
    span = hours * 3600
    start = int(first.timestamp())
    ts = F.timestamp_seconds(F.lit(start) + F.floor(F.col("id") * span / rows).cast("long"))
    base = (
        spark.range(0, rows, 1, max(hours, 2))
        .withColumn("_tid", F.col("id") % n_templates)
        .join(F.broadcast(t), "_tid")
        .select("*", *[F.rand(seed + k).alias(f"_r{k}") for k in range(4)])
        .withColumn("_wiki", wiki)
        .withColumn("_user", user)
        .withColumn("_bot", bot)
        .withColumn("_title", title)
        .withColumn("_ts", ts)
    )
    over = {
        "event_id": F.concat(F.lit(f"{tag}-"), F.col("id").cast("string")),
        "event_time": F.col("_ts"),
        "event_date": F.to_date("_ts"),
        "event_hour": F.hour("_ts"),
        "meta_dt": F.col("_ts"),
        "emitted_at": F.col("_ts"),
        "wiki": F.col("_wiki"),
        "domain": domains[F.col("_wiki")],
        "server_name": domains[F.col("_wiki")],
        "title": F.col("_title"),
        "user": F.col("_user"),
        "bot": F.col("_bot"),
        "is_bot": F.col("_bot"),
        "is_anonymous": anon,
    }
    cols = [
        (over[c] if c in over else F.col(c)).cast(template.schema[c].dataType).alias(c)
        for c in template.columns
    ]
    return base.select(*cols)


def _templates(spark):
    """The bundled recording as bronze rows and as silver rows (the shape to copy)."""
    from wikistream_dagster.local.record import default_recording
    from wikistream_dagster.spark_jobs.transforms import bronze, silver

    lines = [x for x in default_recording().read_bytes().splitlines() if x.strip()]
    now = datetime.now(UTC)
    records = spark.createDataFrame(
        [(bytearray(v), RAW_TOPIC, 0, i, now) for i, v in enumerate(lines)],
        "value binary, topic string, partition int, offset long, timestamp timestamp",
    )
    rows = bronze.bronze_rows(bronze.parse_kafka(records), 0).cache()
    return rows, silver.clean(rows).cache()


def _timed(fn, *args, **kwargs):
    started = time.monotonic()
    out = fn(*args, **kwargs)
    return time.monotonic() - started, out


def child_main(argv: list[str]) -> int:
    """The benchmark's Spark driver (run by spark-submit): ``argv`` = [result file, rows]."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from wikistream_dagster.spark_jobs import gold_batch, gold_trends, quality_check, silver_batch
    from wikistream_dagster.spark_jobs import hours as H
    from wikistream_dagster.spark_jobs.tables import (
        BRONZE,
        ENTITY_HOURLY,
        SILVER,
        ensure_tables,
        qualified,
    )
    from wikistream_dagster.spark_jobs.transforms import gold

    out, history = Path(argv[0]), int(argv[1])
    spark = SparkSession.builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    ensure_tables(spark)
    setup_started = time.monotonic()
    bronze_t, silver_t = _templates(spark)
    past = _shaped(spark, silver_t, history, FIRST_HOUR, HISTORY_HOURS, "hist", 1)
    past.writeTo(qualified(SILVER)).option("distribution-mode", "none").append()
    days = [(FIRST_HOUR + timedelta(hours=i)) for i in range(HISTORY_HOURS)]
    past_hours = [(d.date(), d.hour) for d in days]
    aggregates = gold.entity_hourly(spark.table(qualified(SILVER)).where(H.predicate(past_hours)))
    aggregates.writeTo(qualified(ENTITY_HOURLY)).append()
    new_first = FIRST_HOUR + timedelta(hours=HISTORY_HOURS)
    per_hour = history // HISTORY_HOURS
    fresh = _shaped(spark, bronze_t, per_hour, new_first, 1, f"new-{uuid.uuid4().hex[:6]}", 7)
    fresh.withColumn("ingest_time", F.current_timestamp()).writeTo(qualified(BRONZE)).append()
    setup_s = time.monotonic() - setup_started
    history_rows = spark.table(qualified(SILVER)).count()
    log.info("bench gold: history ready", extra={"rows": history_rows, "setup_s": setup_s})

    hour = [(new_first.date(), new_first.hour)]
    # As the medallion application runs them: the tables were ensured once, above.
    silver_s, s_res = _timed(silver_batch.run, spark, ensure=False)
    quality_s, _ = _timed(quality_check.run, spark, hour, ensure=False)
    gold_s, g_res = _timed(gold_batch.run, spark, hour, ensure=False)
    rerun_s, _ = _timed(gold_batch.run, spark, hour, ensure=False)

    window = H.time_range_predicate(H.shift(hour[0], -gold.BASELINE_HOURS), hour[0])
    target = spark.createDataFrame(hour, "event_date date, event_hour int")
    rescan = gold.entity_trends(spark.table(qualified(SILVER)).where(window), target)
    rescan_s, _ = _timed(rescan.write.format("noop").mode("overwrite").save)
    current = gold.entity_hourly(gold_batch.read_silver(spark, hour))
    trends = gold_trends.entity_trends(
        spark, current, hour, lambda hs: gold_batch.read_silver(spark, hs)
    )
    trends_s, _ = _timed(trends.rows.write.format("noop").mode("overwrite").save)
    trends.free()
    redaction = redact_one_page(spark, hour[0], deletion_time(new_first))
    figures = redaction | {
        "gold_s": round(gold_s, 1),
        "hour_batch_s": round(silver_s + quality_s + gold_s, 1),
        "history_rows": history_rows,
        "hour_rows": int(s_res.get("rows_written", 0)),
        "jobs_s": {"silver": round(silver_s, 1), "quality": round(quality_s, 1)},
        "gold_rerun_s": round(rerun_s, 1),
        "trends_s": round(trends_s, 1),
        "rescan_trends_s": round(rescan_s, 1),
        "baseline_hours_from_silver": g_res.get("baseline_hours_from_silver"),
        "gold_rows": g_res.get("tables"),
        "gold_timings_s": g_res.get("timings_s"),
        "setup_s": round(setup_s, 1),
    }
    out.write_text(json.dumps(figures, default=str))
    # The commit-property and pydeequ callbacks start py4j's callback server: close it or the
    # driver never exits (as the jobs' main() do).
    spark.sparkContext._gateway.shutdown_callback_server()
    spark.stop()
    return 0


def run_bench(settings: Settings, events: int | None = None, json_out: bool = False) -> dict:
    """Run the benchmark in a scratch lake; print and return the figures (issue 11)."""
    from wikistream_dagster.bench.scratch import scratch_stack
    from wikistream_dagster.local import catalog, spark_submit

    rows = max(events or HISTORY_ROWS, HISTORY_HOURS)
    state, env, bench = scratch_stack(settings, "wikistream-bench-gold-")
    result = state / "figures.json"
    started = time.monotonic()
    try:
        jars = spark_submit.prepare(bench)
        catalog.start(bench)
        cmd = spark_submit.spark_submit_command(
            bench, "gold", [str(result), str(rows)], jars, DRIVER_MEMORY, script=Path(__file__)
        )
        rc = subprocess.run(
            cmd, env=spark_submit.spark_submit_env(bench, env), cwd=bench.root
        ).returncode
        if rc != 0 or not result.exists():
            raise RuntimeError(f"bench gold: the Spark driver failed (exit {rc}); see above")
        figures = json.loads(result.read_text())
    finally:
        catalog.stop(bench)
        shutil.rmtree(state, ignore_errors=True)
    figures["wall_s"] = round(time.monotonic() - started, 1)
    f = figures
    print(
        f"silver history: {f['history_rows']:,} rows over {HISTORY_HOURS} h (setup "
        f"{f['setup_s']} s); new hour: {f['hour_rows']:,} rows"
    )
    print(f"gold of the new hour: {f['gold_s']} s (goal <= 15 s); rerun {f['gold_rerun_s']} s")
    print(f"silver + checks + gold of the hour: {f['hour_batch_s']} s {f['jobs_s']} (goal <= 40 s)")
    print(
        f"trends alone: {f['trends_s']} s from gold.entity_hourly, {f['rescan_trends_s']} s by "
        f"rescanning 25 h of silver (before); baseline hours read from silver: "
        f"{f['baseline_hours_from_silver']}"
    )
    print(
        f"redact one page (issue 14): {f['redact_page_s']} s for {f['redact_page_rows']} rows "
        f"in {f['redact_page_hours']} hour partitions (the {f['redact_page_history_hours']} of "
        f"{HISTORY_HOURS} history hours holding the page, and the deletion's own hour), then "
        f"gold of those hours {f['redact_page_gold_s']} s"
    )
    print(f"figures are indicative on a shared machine ({date.today().isoformat()})")
    if json_out:
        print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
