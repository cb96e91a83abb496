"""The ``wikistream quarantine list|release|drop`` arguments and what they run."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from wikistream_dagster.config import Settings
from wikistream_dagster.contracts import quarantine as Q
from wikistream_dagster.quarantine import commands


def add_parser(sub, handler: Callable) -> None:
    """Register ``quarantine list|release|drop`` under the main parser's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--hours",
        nargs="+",
        action="extend",
        default=[],
        metavar="H",
        help="UTC hours, e.g. 2018-03-07T16",
    )
    common.add_argument(
        "--rule", nargs="+", action="extend", default=[], metavar="R", help="check names"
    )
    common.add_argument(
        "--run", nargs="+", action="extend", default=[], metavar="ID", help="quality run ids"
    )
    common.add_argument(
        "--event-id", nargs="+", action="extend", default=[], metavar="ID", help="event ids"
    )
    common.add_argument("--json", action="store_true", help="last line: one JSON object")
    s = sub.add_parser(
        "quarantine",
        help="list, release or drop the silver rows a blocking check quarantined",
        description=f"Rows that break a blocking quality rule wait in {Q.QUARANTINE}; their "
        "hours are held (not scheduled, not in gold) until every such row is released "
        "(accepted as it is) or dropped (deleted from silver).",
    )
    s.set_defaults(func=handler)
    act = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = act.add_parser("list", parents=[common], help="counts per hour and rule, latest rows")
    a.add_argument("--status", choices=[*Q.STATUSES, "all"], default=Q.HELD)
    a.add_argument("--limit", type=int, default=20, help="latest entries to show (20)")
    for action, text in (
        ("release", "accept the rows as they are: the checks skip them, gold reads them"),
        ("drop", "delete the rows from silver; gold never reads them"),
    ):
        a = act.add_parser(action, parents=[common], help=text)
        a.add_argument("--all", action="store_true", help="every quarantined row (no filter)")


def run(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Run the chosen action; the report's lines (with ``--json``, a JSON object last)."""
    filters = commands.Filters(
        tuple(args.hours), tuple(args.rule), tuple(args.run), tuple(args.event_id)
    )
    try:
        filters.where()  # validates --hours before anything runs
    except ValueError as exc:
        raise commands.QuarantineError(f"{exc}: pass --hours like 2018-03-07T16") from None
    if args.action == "list":
        result = commands.list_entries(settings, filters, args.status, args.limit)
        lines = commands.list_lines(result)
    else:
        result = commands.resolve(settings, args.action, filters, args.all)
        lines = commands.resolve_lines(result)
    if args.json:
        lines.append(json.dumps(result, default=str))
    return lines
