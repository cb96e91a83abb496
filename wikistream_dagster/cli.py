"""The ``wikistream`` command: thin subcommands, each calling one piece of the project."""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys

from producer_service.jsonlog import setup_logging
from wikistream_dagster.aws import cli as aws_cli
from wikistream_dagster.config import (
    AUTOMATIONS,
    SettingsError,
    child_env,
    cli_defaults,
    load_settings,
    use_spark_env,
)
from wikistream_dagster.contracts.jobs import JOBS
from wikistream_dagster.dlq import cli as dlq_cli
from wikistream_dagster.local import replay_cli
from wikistream_dagster.local.process import default_stop_signals
from wikistream_dagster.quarantine import cli as quarantine_cli

log = logging.getLogger("wikistream")


def _cmd_setup(args, settings) -> int:
    from wikistream_dagster.local import setup

    setup.ensure_all(settings)
    return 0


def _cmd_kafka(args, settings) -> int:
    from wikistream_dagster.local import kafka

    if args.action == "start":
        kafka.start(settings)
    elif args.action == "stop":
        kafka.stop(settings)
    elif args.action == "create-topics":
        conf = _msk_iam_conf(args.region) if args.msk_iam else None
        kafka.create_topics(
            args.bootstrap or settings.kafka_bootstrap,
            client_conf=conf,
            local=not (args.bootstrap or args.msk_iam),
        )
    else:
        st = kafka.status(settings)
        print(json.dumps(st, indent=2))
        return 0 if st.get("healthy") else 1
    return 0


def _msk_iam_conf(region: str) -> dict:
    from producer_service.kafka_sink import msk_iam_config

    return msk_iam_config(region)


def _cmd_catalog(args, settings) -> int:
    from wikistream_dagster.local import catalog

    if args.action == "start":
        catalog.start(settings)
    elif args.action == "stop":
        catalog.stop(settings)
    else:
        st = catalog.status(settings)
        print(json.dumps(st, indent=2, default=str))
        return 0 if st.get("running") else 1
    return 0


def _cmd_spark(args, settings) -> int:
    from wikistream_dagster.local import bronze_control, kafka, spark_submit

    if args.job == "bronze":  # the stream reads the local broker; one bronze writer at a time
        kafka.start(settings)
        return bronze_control.run_foreground(settings, args.job_args)
    return spark_submit.run_job(settings, args.job, args.job_args)


def _cmd_query(args, settings) -> int:
    from wikistream_dagster.query import run_query

    print(run_query(settings, args.sql))
    return 0


def _cmd_dlq(args, settings) -> int:
    print("\n".join(dlq_cli.run(args, settings.kafka_bootstrap)))
    return 0


def _cmd_aws(args, settings) -> int:
    print("\n".join(aws_cli.run(args, settings)))
    return 0


def _cmd_quarantine(args, settings) -> int:
    print("\n".join(quarantine_cli.run(args, settings)))
    return 0


def _cmd_dagster(args, settings) -> int:
    from wikistream_dagster.local import dagster_home

    return subprocess.call(
        dagster_home.dev_command(settings), env=dagster_home.dev_env(settings), cwd=settings.root
    )


def _cmd_up(args, settings) -> int:
    from dataclasses import replace

    from wikistream_dagster.local import stack

    if args.automation:
        settings = replace(settings, automation=args.automation)
    return stack.up(
        settings,
        source=args.source,
        with_dagster=not args.no_dagster,
        replay_speed=args.replay_speed,
    )


def _cmd_bench(args, settings) -> int:
    import importlib

    bench = importlib.import_module(f"wikistream_dagster.bench.{args.what}")
    kwargs = {"minutes": args.minutes} if args.what in ("e2e", "chaos") and args.minutes else {}
    if args.what == "e2e":
        kwargs["automation"] = args.automation or settings.automation
    if args.what == "chaos" and args.seed is not None:
        kwargs["seed"] = args.seed
    if args.what == "bronze" and args.no_scale:
        kwargs["scale"] = False
    figures = bench.run_bench(settings, events=args.events, **kwargs)
    if args.json:
        print(json.dumps(figures, default=str))
    return 1 if figures.get("ok") is False else 0  # chaos: an invariant failed


def _cmd_test(args, settings) -> int:
    env = child_env(WIKISTREAM_CACHE_DIR=str(settings.cache_dir))
    cmd = [sys.executable, "-m", "pytest", *args.pytest_args]
    return subprocess.call(cmd, cwd=settings.root, env=env)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wikistream",
        description="WikiStream: Wikipedia edit stream -> Kafka -> Iceberg lakehouse, on Dagster.",
    )
    defaults = cli_defaults()
    p.add_argument("--log-level", default=defaults.log_level)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("up", help="set up what is missing and run the local stack (Ctrl-C stops)")
    s.add_argument(
        "--source",
        choices=["auto", "live", "replay"],
        default="auto",
        help="live Wikimedia stream, the bundled replay, or live if reachable (auto)",
    )
    s.add_argument(
        "--replay-speed",
        type=float,
        default=1.0,
        help="pace of the replayed recording (1 = as recorded, ~12 events/s)",
    )
    s.add_argument(
        "--no-dagster",
        action="store_true",
        help="only Kafka, the catalog, the source and the producer",
    )
    s.add_argument(
        "--automation",
        choices=list(AUTOMATIONS),
        default=None,
        help="schedule: silver/checks/gold every 5 minutes (default); eager: as soon as bronze "
        "commits (env WIKISTREAM_AUTOMATION)",
    )
    s.set_defaults(func=_cmd_up)

    s = sub.add_parser("setup", help="install/fetch everything the local stack needs (idempotent)")
    s.set_defaults(func=_cmd_setup)

    s = sub.add_parser(
        "test",
        help="run the whole test suite (extra args go to pytest)",
        description="Runs pytest over tests/; any further arguments go to "
        "pytest, e.g. `./wikistream test -m 'not slow'` or `-k producer`.",
    )
    s.set_defaults(func=_cmd_test)

    s = sub.add_parser("kafka", help="the local Kafka broker")
    s.add_argument("action", choices=["start", "stop", "status", "create-topics"])
    s.add_argument("--bootstrap", help="create-topics: another cluster (e.g. MSK)")
    s.add_argument("--msk-iam", action="store_true", help="create-topics: MSK IAM auth over TLS")
    s.add_argument("--region", default=defaults.aws_region, help="AWS region")
    s.set_defaults(func=_cmd_kafka)

    s = sub.add_parser("catalog", help="the local Iceberg REST catalog server")
    s.add_argument("action", choices=["start", "stop", "status"])
    s.set_defaults(func=_cmd_catalog)

    s = sub.add_parser(
        "spark",
        help="run one Spark job locally with spark-submit",
        description="Run a Spark job against the local catalog, e.g. "
        "`./wikistream spark silver`, `./wikistream spark gold --hours "
        "2018-03-07T16`, `./wikistream spark bronze --available-now`. "
        "Arguments after the job name go to the job (see its --help).",
    )
    s.add_argument("job", choices=list(JOBS))
    s.set_defaults(func=_cmd_spark)

    s = sub.add_parser(
        "query",
        help="SQL over the Iceberg tables without Spark (pyiceberg + DuckDB)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Examples:\n"
        '  ./wikistream query "SELECT count(*) FROM bronze.wiki_events"\n'
        '  ./wikistream query "SELECT wiki, hour_start, edits, bot_share FROM '
        'gold.hourly_edit_stats ORDER BY hour_start DESC LIMIT 10"\n'
        '  ./wikistream query "SELECT title, user, risk_score, reasons FROM gold.risk_scores '
        'ORDER BY risk_score DESC LIMIT 10"',
    )
    s.add_argument("sql")
    s.set_defaults(func=_cmd_query)

    dlq_cli.add_parser(sub, _cmd_dlq)
    aws_cli.add_parser(sub, _cmd_aws)
    quarantine_cli.add_parser(sub, _cmd_quarantine)

    s = sub.add_parser("dagster", help="run `dagster dev` on 127.0.0.1 with the local settings")
    s.set_defaults(func=_cmd_dagster)

    replay_cli.add_parsers(sub)

    s = sub.add_parser("bench", help="benchmarks that print figures (--json: one JSON line)")
    s.add_argument("what", choices=["producer", "replay", "bronze", "e2e", "chaos", "gold"])
    s.add_argument("--json", action="store_true")
    s.add_argument(
        "--events",
        type=int,
        default=None,
        help="events to push (default per bench; gold: silver history rows)",
    )
    s.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="e2e: how long to run (13); chaos: how long faults are injected (20; below 20 "
        "fewer faults and a shorter idle gap)",
    )
    s.add_argument("--seed", type=int, default=None, help="chaos: seed of the fault plan (10)")
    s.add_argument(
        "--automation",
        choices=list(AUTOMATIONS),
        default=None,
        help="e2e: the stack's medallion trigger, schedule (default) or eager",
    )
    s.add_argument(
        "--no-scale",
        action="store_true",
        help="bronze: skip the 10 M-row MERGE and the 10,000-snapshot sensor tick",
    )
    s.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    default_stop_signals()  # what this command starts must stop on SIGTERM (see the function)
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `test` and `spark JOB` pass everything after them through untouched (pytest/job options).
    cut = next((i for i, a in enumerate(argv) if a in ("test", "spark")), None)
    passthrough: list[str] = []
    if cut is not None and argv[cut + 1 : cut + 2] not in (["-h"], ["--help"]):
        keep = cut + (1 if argv[cut] == "test" else 2)
        argv, passthrough = argv[:keep], argv[keep:]
    args = parser.parse_args(argv)
    if args.command == "test":
        args.pytest_args = passthrough
    elif args.command == "spark":
        args.job_args = passthrough
    setup_logging(args.log_level)
    if args.command == "bench":  # benchmarks run Spark jobs (and pydeequ) in this process
        use_spark_env()
    try:
        settings = load_settings()
        return args.func(args, settings)
    except SettingsError as exc:
        log.error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except RuntimeError as exc:  # our errors carry the cause and the fix
        log.error(str(exc), extra={"error": type(exc).__name__})
        return 1
