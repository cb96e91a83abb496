"""Quarantine job: release or drop quarantined silver rows (``./wikistream quarantine ...``).

Runs on Spark because a drop rewrites silver's hours; listing needs no Spark (the CLI reads the
table with pyiceberg and DuckDB). Exit status 2 when the selection is refused (the log says why).
"""

from __future__ import annotations

import logging
import sys
import uuid

from wikistream_dagster.spark_jobs import hours as H
from wikistream_dagster.spark_jobs import runtime
from wikistream_dagster.spark_jobs.quarantine_resolve import ResolveError, Selection, drop, release
from wikistream_dagster.spark_jobs.session import build_session

log = logging.getLogger(__name__)


def add_filters(parser) -> None:
    """The selection flags (shared with the CLI's ``list``)."""
    parser.add_argument(
        "--hours", action="append", default=[], help="UTC hours, e.g. 2018-03-07T16 (repeatable)"
    )
    parser.add_argument("--rule", action="append", default=[], help="check name (repeatable)")
    parser.add_argument("--run", action="append", default=[], help="quality run id (repeatable)")
    parser.add_argument("--event-id", action="append", default=[], help="event id (repeatable)")


def selection(args) -> Selection:
    return Selection(
        hours=tuple(H.parse_hours(args.hours)),
        rules=tuple(args.rule),
        runs=tuple(args.run),
        event_ids=tuple(args.event_id),
        everything=getattr(args, "all", False),
    )


def main(argv: list[str] | None = None) -> int:
    parser = runtime.base_parser(__doc__.splitlines()[0])
    parser.add_argument("action", choices=["release", "drop"])
    add_filters(parser)
    parser.add_argument("--all", action="store_true", help="every quarantined row (no filter)")
    args = runtime.parse_args(parser, argv)
    try:
        chosen = selection(args)
        chosen.check()
    except (ValueError, ResolveError) as exc:
        log.error("%s", exc)
        return 2
    spark = build_session("wikistream-quarantine", runtime.catalog_config(args))
    try:
        act = release if args.action == "release" else drop
        result = act(spark, chosen, uuid.uuid4().hex)
    except ResolveError as exc:
        log.error("%s", exc)
        return 2
    finally:
        spark.stop()
    runtime.write_result(args, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
