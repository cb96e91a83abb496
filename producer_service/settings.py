"""Producer settings: each a flag with an env var equivalent, parsed once into one object."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from producer_service.event_limits import DLQ_TOPIC, RAW_TOPIC

DEFAULT_SSE_URL = "https://stream.wikimedia.org/v2/stream/recentchange"
SECURITY_PROTOCOLS = ("plaintext", "msk-iam")


class SettingsError(ValueError):
    """A setting is missing or bad; the message names the flag and/or env var to set.

    The platform's settings (``wikistream_dagster/config.py``) raise this one too."""


@dataclass(frozen=True)
class ProducerSettings:
    sse_url: str
    bootstrap_servers: str
    state_dir: Path
    user_agent: str
    since: str | None = None
    reset_position: bool = False
    exit_on_idle: float | None = None
    max_events: int | None = None
    raw_topic: str = RAW_TOPIC
    dlq_topic: str = DLQ_TOPIC
    security_protocol: str = "plaintext"
    aws_region: str = ""
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9108
    max_event_bytes: int = 1_000_000
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    flush_timeout: float = 30.0
    progress_every: float = 10.0
    dedup_window: int = 20_000  # ~200 s at the live rate: 20x the default rewind
    resume_rewind_s: float = 10.0
    seed_timeout: float = 30.0
    kafka_config: dict[str, str] = field(default_factory=dict)
    log_level: str = "INFO"


# flag -> (env var, help)
_FLAGS: dict[str, tuple[str, str]] = {
    "--sse-url": ("PRODUCER_SSE_URL", "EventStreams SSE URL"),
    "--bootstrap-servers": ("PRODUCER_BOOTSTRAP_SERVERS", "Kafka bootstrap servers"),
    "--state-dir": ("PRODUCER_STATE_DIR", "where the resume position is kept"),
    "--user-agent": ("PRODUCER_USER_AGENT", "descriptive User-Agent with contact info (required)"),
    "--since": ("PRODUCER_SINCE", "start time (ISO-8601 or epoch ms) when no position is saved"),
    "--exit-on-idle": (
        "PRODUCER_EXIT_ON_IDLE",
        "flush, save and exit 0 after SECONDS without events",
    ),
    "--max-events": ("PRODUCER_MAX_EVENTS", "stop after this many received events"),
    "--raw-topic": ("PRODUCER_RAW_TOPIC", "topic for valid events"),
    "--dlq-topic": ("PRODUCER_DLQ_TOPIC", "topic for dead letters"),
    "--security-protocol": ("PRODUCER_SECURITY_PROTOCOL", "plaintext (local) or msk-iam (AWS)"),
    "--aws-region": ("PRODUCER_AWS_REGION", "AWS region for MSK IAM tokens"),
    "--metrics-host": ("PRODUCER_METRICS_HOST", "bind address of /health and /metrics"),
    "--metrics-port": ("PRODUCER_METRICS_PORT", "port of /health and /metrics (0 = any free)"),
    "--max-event-bytes": ("PRODUCER_MAX_EVENT_BYTES", "larger events are dead-lettered"),
    "--backoff-initial": ("PRODUCER_BACKOFF_INITIAL", "first reconnect delay, seconds"),
    "--backoff-max": ("PRODUCER_BACKOFF_MAX", "longest reconnect delay, seconds"),
    "--flush-timeout": ("PRODUCER_FLUSH_TIMEOUT", "bound on the final flush, seconds"),
    "--progress-every": ("PRODUCER_PROGRESS_EVERY", "seconds between progress log lines"),
    "--log-level": ("PRODUCER_LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR"),
    "--resume-rewind-s": (
        "PRODUCER_RESUME_REWIND_S",
        "on resume, go back this many seconds before the saved id (re-sent events are dropped "
        "by meta.id); must exceed how far the stream's timestamps run out of order",
    ),
    "--dedup-window": (
        "PRODUCER_DEDUP_WINDOW",
        "recent meta.ids kept to drop re-sent events; seeded at start from the topics' tails",
    ),
    "--seed-timeout": (
        "PRODUCER_SEED_TIMEOUT",
        "bound on reading the topics' tails at start, seconds",
    ),
}

LIVE_EVENTS_PER_S = 100  # EventStreams recentchange, roughly; the dedup window must cover a rewind


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m producer_service",
        description="Read Wikimedia EventStreams (SSE) and produce every event to Kafka, "
        "resuming from the last acknowledged position.",
    )
    for flag, (env, help_) in _FLAGS.items():
        p.add_argument(flag, default=None, help=f"{help_} [env {env}]")
    p.add_argument(
        "--reset-position",
        action="store_true",
        help="ignore the saved position (start live, or from --since)",
    )
    p.add_argument(
        "--kafka-config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra librdkafka setting (repeatable) [env PRODUCER_KAFKA_CONFIG, comma-separated]",
    )
    return p


def _pick(ns: argparse.Namespace, env: Mapping[str, str], flag: str) -> str | None:
    value = getattr(ns, flag.lstrip("-").replace("-", "_"))
    if value is None:
        value = env.get(_FLAGS[flag][0]) or None
    return value


def _num(kind, raw: str | None, flag: str, default, minimum=0):
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(
            f"{flag} / {_FLAGS[flag][0]} = {raw!r} is not a {kind.__name__}"
        ) from None
    if value < minimum:
        raise SettingsError(f"{flag} / {_FLAGS[flag][0]} must be >= {minimum}, got {value}")
    return value


def parse_since(raw: str) -> str:
    """Validate ``--since`` (epoch ms or ISO-8601) and return it as EventStreams accepts it."""
    if re.fullmatch(r"\d{10,14}", raw):
        return raw
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        raise SettingsError(
            f"--since / PRODUCER_SINCE = {raw!r} is neither epoch milliseconds nor ISO-8601 "
            "(e.g. 2024-05-01T12:00:00Z)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_settings(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> ProducerSettings:
    env = os.environ if env is None else env
    ns = build_parser().parse_args(argv)
    get = lambda flag: _pick(ns, env, flag)  # noqa: E731

    user_agent = get("--user-agent")
    if not user_agent:
        raise SettingsError(
            "--user-agent / PRODUCER_USER_AGENT is required: Wikimedia rejects generic clients. "
            "Set e.g. 'WikiStream/0.1 (https://example.org/wikistream; you@example.org)'"
        )
    if "@" not in user_agent and "http" not in user_agent:
        raise SettingsError(
            f"--user-agent / PRODUCER_USER_AGENT = {user_agent!r} has no contact info: "
            "add an e-mail address or URL, as Wikimedia's User-Agent policy requires"
        )
    sse_url = get("--sse-url") or DEFAULT_SSE_URL
    if not re.match(r"https?://", sse_url):
        raise SettingsError(f"--sse-url / PRODUCER_SSE_URL = {sse_url!r} is not an http(s) URL")
    security = (get("--security-protocol") or "plaintext").lower()
    if security not in SECURITY_PROTOCOLS:
        raise SettingsError(
            f"--security-protocol / PRODUCER_SECURITY_PROTOCOL = {security!r}: use one of "
            f"{', '.join(SECURITY_PROTOCOLS)}"
        )
    region = get("--aws-region") or env.get("AWS_REGION", "")
    if security == "msk-iam" and not region:
        raise SettingsError("--aws-region / PRODUCER_AWS_REGION is required with msk-iam")
    extra = list(ns.kafka_config) or [
        kv for kv in (env.get("PRODUCER_KAFKA_CONFIG") or "").split(",") if kv
    ]
    kafka_config = {}
    for kv in extra:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise SettingsError(f"--kafka-config {kv!r} is not KEY=VALUE")
        kafka_config[key.strip()] = value.strip()
    since = get("--since")
    idle = get("--exit-on-idle")
    max_events = get("--max-events")
    return ProducerSettings(
        sse_url=sse_url,
        bootstrap_servers=get("--bootstrap-servers") or "127.0.0.1:9092",
        state_dir=Path(get("--state-dir") or ".state/producer"),
        user_agent=user_agent,
        since=parse_since(since) if since else None,
        reset_position=ns.reset_position,
        exit_on_idle=_num(float, idle, "--exit-on-idle", None) if idle else None,
        max_events=_num(int, max_events, "--max-events", None, 1) if max_events else None,
        raw_topic=get("--raw-topic") or RAW_TOPIC,
        dlq_topic=get("--dlq-topic") or DLQ_TOPIC,
        security_protocol=security,
        aws_region=region,
        metrics_host=get("--metrics-host") or "127.0.0.1",
        metrics_port=_num(int, get("--metrics-port"), "--metrics-port", 9108),
        max_event_bytes=_num(int, get("--max-event-bytes"), "--max-event-bytes", 1_000_000, 1024),
        backoff_initial=_num(float, get("--backoff-initial"), "--backoff-initial", 1.0, 0.01),
        backoff_max=_num(float, get("--backoff-max"), "--backoff-max", 60.0, 0.01),
        flush_timeout=_num(float, get("--flush-timeout"), "--flush-timeout", 30.0, 0.1),
        progress_every=_num(float, get("--progress-every"), "--progress-every", 10.0, 0.1),
        kafka_config=kafka_config,
        log_level=(get("--log-level") or "INFO").upper(),
        **_resume_settings(get),
    )


def _resume_settings(get) -> dict:
    rewind = _num(float, get("--resume-rewind-s"), "--resume-rewind-s", 10.0)
    window = _num(int, get("--dedup-window"), "--dedup-window", 20_000, 1)
    need = int(2 * rewind * LIVE_EVENTS_PER_S)
    if window < need:
        raise SettingsError(
            f"--dedup-window / PRODUCER_DEDUP_WINDOW = {window} is smaller than twice what a "
            f"{rewind:g} s rewind re-reads at ~{LIVE_EVENTS_PER_S} events/s: use >= {need}, "
            "or lower --resume-rewind-s"
        )
    return {
        "resume_rewind_s": rewind,
        "dedup_window": window,
        "seed_timeout": _num(float, get("--seed-timeout"), "--seed-timeout", 30.0, 0.1),
    }
