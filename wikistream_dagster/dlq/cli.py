"""The ``wikistream dlq show|redrive`` arguments and what they run (printed by the main CLI)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from producer_service.settings import ProducerSettings
from wikistream_dagster.config import DLQ_TOPIC, RAW_TOPIC, cli_defaults
from wikistream_dagster.dlq import commands
from wikistream_dagster.dlq.envelope import Selection, parse_since


def _since(text: str):
    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_parser(sub, handler: Callable) -> None:
    """Register ``dlq show`` and ``dlq redrive`` under the main parser's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--reason", nargs="+", action="extend", metavar="R", help="only these reasons"
    )
    common.add_argument(
        "--writer", nargs="+", action="extend", metavar="W", help="only producer and/or bronze"
    )
    common.add_argument("--since", type=_since, help="only dead letters received since (ISO)")
    common.add_argument("--json", action="store_true", help="last line: one JSON object")
    common.add_argument("--bootstrap", help="another cluster (default: the local broker)")
    common.add_argument("--dlq-topic", default=DLQ_TOPIC)
    common.add_argument("--msk-iam", action="store_true", help="MSK IAM auth over TLS")
    common.add_argument("--region", default=cli_defaults().aws_region, help="AWS region")
    s = sub.add_parser("dlq", help="inspect and re-drive the dead letters in dlq-events")
    s.set_defaults(func=handler)
    act = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = act.add_parser(
        "show", parents=[common], help="counts per writer and reason, and the latest records"
    )
    a.add_argument("--limit", type=int, default=10, help="latest records to list (10)")
    a = act.add_parser(
        "redrive",
        parents=[common],
        help="send dead letters that pass the producer's current rules back to raw-events",
        description="Reads dlq-events from the beginning (no group, no commits); every "
        "selected dead letter with a complete payload is judged again by the producer's rules; "
        "those that pass go to raw-events byte-for-byte, keyed by meta.id. Re-driving twice is "
        "harmless: bronze MERGEs on the event id.",
    )
    a.add_argument("--dry-run", action="store_true", help="count only, write nothing")
    a.add_argument("--raw-topic", default=RAW_TOPIC)
    a.add_argument(
        "--max-event-bytes",
        type=int,
        default=ProducerSettings.max_event_bytes,
        help="the producer's size limit to judge by (its default: %(default)s)",
    )


def run(args: argparse.Namespace, local_bootstrap: str) -> list[str]:
    """Run the chosen action; the report's lines (with ``--json``, a JSON object last)."""
    conf = None
    if args.msk_iam:
        from producer_service.kafka_sink import msk_iam_config

        conf = msk_iam_config(args.region)
    target = commands.Target(
        bootstrap=args.bootstrap or local_bootstrap,
        dlq_topic=args.dlq_topic,
        raw_topic=getattr(args, "raw_topic", RAW_TOPIC),
        client_conf=conf,
    )
    selection = Selection(frozenset(args.reason or ()), frozenset(args.writer or ()), args.since)
    if args.action == "show":
        result = commands.show(target, selection, args.limit)
        lines = commands.show_lines(result)
    else:
        result = commands.run_redrive(target, selection, args.max_event_bytes, args.dry_run)
        lines = commands.redrive_lines(result)
    if args.json:
        lines.append(json.dumps({**result.to_json(), "selection": selection.describe()}))
    return lines
