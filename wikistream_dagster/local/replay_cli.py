"""``wikistream replay`` and ``wikistream record``: the EventStreams twin and the recorder."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from wikistream_dagster.config import DEFAULT_SSE_URL, cli_defaults

log = logging.getLogger("wikistream")


def cmd_replay(args, settings) -> int:
    from wikistream_dagster.local import replay

    path = Path(args.file) if args.file else replay.default_recording()
    replay.run_replay_server(
        path,
        host=args.host,
        port=args.port or settings.replay_port,
        speed=args.speed,
        loop=args.loop,
        disconnect_every=args.disconnect_every,
        disconnect_mode=args.disconnect_mode,
        close_after_s=args.close_after_s or None,
        whole_seconds=args.whole_seconds,
        disorder_ms=args.disorder_ms,
        switchover_at=args.switchover_at,
        served_log=Path(args.served_log) if args.served_log else None,
        seed=args.seed,
    )
    return 0


def cmd_record(args, settings) -> int:
    from wikistream_dagster.local import record

    n = record.record_stream(
        args.url,
        Path(args.out),
        max_events=args.max_events,
        user_agent=args.user_agent,
        since=args.since,
    )
    log.info("recording written", extra={"out": args.out, "events": n})
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``replay`` and ``record`` under the main parser's subcommands."""
    s = sub.add_parser("replay", help="serve a recording as a Wikimedia-style SSE stream")
    s.add_argument("file", nargs="?", help="NDJSON or raw SSE capture (default: bundled)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--speed", type=float, default=1.0, help="1 = real time, N = N x, 0 = max")
    s.add_argument("--loop", action="store_true", help="repeat forever, times shifted to now")
    s.add_argument(
        "--disconnect-every",
        type=int,
        default=None,
        metavar="N",
        help="close the connection after N events (clients must resume)",
    )
    s.add_argument(
        "--disconnect-mode",
        choices=["clean", "drop", "after_id", "in_data", "cycle"],
        default="clean",
        help="how --disconnect-every closes: end the response, drop TCP, drop after the id "
        "line or inside the data line of the next frame, or cycle through them",
    )
    s.add_argument(
        "--close-after-s",
        type=float,
        default=900.0,
        metavar="S",
        help="close every stream cleanly after S seconds, like the live service (0 = never)",
    )
    s.add_argument(
        "--whole-seconds", action="store_true", help="Kafka timestamps in whole seconds (live)"
    )
    s.add_argument(
        "--disorder-ms",
        type=int,
        default=0,
        metavar="N",
        help="Kafka timestamps up to N ms early (seeded): not ordered by offset",
    )
    s.add_argument(
        "--switchover-at",
        type=int,
        default=None,
        metavar="N",
        help="events from stream position N on are in codfw (a datacenter switchover)",
    )
    s.add_argument(
        "--served-log", default=None, metavar="PATH", help="append served meta.ids to PATH"
    )
    s.add_argument("--seed", type=int, default=0, help="seed of --disorder-ms")
    s.set_defaults(func=cmd_replay)

    s = sub.add_parser("record", help="capture a live SSE stream to a file (ids included)")
    s.add_argument("--out", required=True)
    s.add_argument("--max-events", type=int, default=None)
    s.add_argument("--url", default=DEFAULT_SSE_URL)
    s.add_argument("--since", default=None)
    s.add_argument(
        "--user-agent",
        default=cli_defaults().user_agent
        or "WikiStream-recorder/0.1 (https://github.com/wikistream; local)",
    )
    s.set_defaults(func=cmd_record)
