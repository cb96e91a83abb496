"""Producer settings: each a flag with an env var equivalent, parsed once into one object.

``ProducerSettings`` is the one table: each field made with ``_setting`` is the flag
``--field-name`` and the env var ``PRODUCER_FIELD_NAME``, with its default, help and (numbers)
lower bound; the parser, the env lookup and the number checks are derived from it.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args, get_type_hints

from producer_service.event_limits import DLQ_TOPIC, RAW_TOPIC

DEFAULT_SSE_URL = "https://stream.wikimedia.org/v2/stream/recentchange"
SECURITY_PROTOCOLS = ("plaintext", "msk-iam")
LIVE_EVENTS_PER_S = 100  # EventStreams recentchange, roughly; the dedup window must cover a rewind


class SettingsError(ValueError):
    """A setting is missing or bad; the message names the flag and/or env var to set.

    The platform's settings (``wikistream_dagster/config.py``) raise this one too."""


def _setting(default: Any, help: str, minimum: float | None = None) -> Any:
    """A field that is also a flag and an env var; a number is checked against ``minimum``."""
    return field(default=default, metadata={"help": help, "minimum": minimum})


@dataclass(frozen=True)
class ProducerSettings:
    sse_url: str = _setting(DEFAULT_SSE_URL, "EventStreams SSE URL")
    bootstrap_servers: str = _setting("127.0.0.1:9092", "Kafka bootstrap servers")
    state_dir: Path = _setting(Path(".state/producer"), "where the resume position is kept")
    user_agent: str = _setting("", "descriptive User-Agent with contact info (required)")
    since: str | None = _setting(
        None, "start time (ISO-8601 or epoch ms) when no position is saved"
    )
    exit_on_idle: float | None = _setting(
        None, "flush, save and exit 0 after SECONDS without events", minimum=0
    )
    max_events: int | None = _setting(None, "stop after this many received events", minimum=1)
    raw_topic: str = _setting(RAW_TOPIC, "topic for valid events")
    dlq_topic: str = _setting(DLQ_TOPIC, "topic for dead letters")
    security_protocol: str = _setting("plaintext", "plaintext (local) or msk-iam (AWS)")
    aws_region: str = _setting("", "AWS region for MSK IAM tokens")
    metrics_host: str = _setting("127.0.0.1", "bind address of /health and /metrics")
    metrics_port: int = _setting(9108, "port of /health and /metrics (0 = any free)", minimum=0)
    max_event_bytes: int = _setting(1_000_000, "larger events are dead-lettered", minimum=1024)
    backoff_initial: float = _setting(1.0, "first reconnect delay, seconds", minimum=0.01)
    backoff_max: float = _setting(60.0, "longest reconnect delay, seconds", minimum=0.01)
    flush_timeout: float = _setting(30.0, "bound on the final flush, seconds", minimum=0.1)
    progress_every: float = _setting(10.0, "seconds between progress log lines", minimum=0.1)
    log_level: str = _setting("INFO", "DEBUG, INFO, WARNING, ERROR")
    resume_rewind_s: float = _setting(
        10.0,
        "on resume, go back this many seconds before the saved id (re-sent events are dropped "
        "by meta.id); must exceed how far the stream's timestamps run out of order",
        minimum=0,
    )
    dedup_window: int = _setting(
        20_000,  # ~200 s at the live rate: 20x the default rewind
        "recent meta.ids kept to drop re-sent events; seeded at start from the topics' tails",
        minimum=1,
    )
    seed_timeout: float = _setting(
        30.0, "bound on reading the topics' tails at start, seconds", minimum=0.1
    )
    reset_position: bool = False  # --reset-position
    kafka_config: dict[str, str] = field(default_factory=dict)  # --kafka-config, repeatable


def flag(name: str) -> str:
    """The flag of setting ``name``: ``metrics_port`` -> ``--metrics-port``."""
    return "--" + name.replace("_", "-")


def _env(name: str) -> str:
    """The env var of setting ``name``: ``metrics_port`` -> ``PRODUCER_METRICS_PORT``."""
    return f"PRODUCER_{name.upper()}"


def _names(name: str) -> str:
    """How errors name a setting: its flag and its env var."""
    return f"{flag(name)} / {_env(name)}"


def _number_kind(hint: Any) -> type | None:
    """``int`` or ``float`` for a number field (optional or not), None for text."""
    return next((k for k in (int, float) if k is hint or k in get_args(hint)), None)


# The settings made with ``_setting``, each with its number type.
_HINTS = get_type_hints(ProducerSettings)
_SETTINGS: dict[str, tuple[Field, type | None]] = {
    f.name: (f, _number_kind(_HINTS[f.name]))
    for f in fields(ProducerSettings)
    if "help" in f.metadata
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m producer_service",
        description="Read Wikimedia EventStreams (SSE) and produce every event to Kafka, "
        "resuming from the last acknowledged position.",
    )
    for name, (f, _) in _SETTINGS.items():
        p.add_argument(flag(name), default=None, help=f"{f.metadata['help']} [env {_env(name)}]")
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


def _pick(ns: argparse.Namespace, env: Mapping[str, str], name: str) -> str | None:
    """The flag's value, else the env var's (an empty variable counts as unset)."""
    value = getattr(ns, name)
    if value is None:
        value = env.get(_env(name)) or None
    return value


def _value(name: str, raw: str | None) -> Any:
    """``raw`` as setting ``name``'s value: text (empty: the default) or a checked number."""
    f, kind = _SETTINGS[name]
    if kind is None:
        text = raw or f.default
        return Path(text) if isinstance(f.default, Path) else text
    if raw is None or (f.default is None and not raw):
        return f.default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{_names(name)} = {raw!r} is not a {kind.__name__}") from None
    if value < f.metadata["minimum"]:
        raise SettingsError(f"{_names(name)} must be >= {f.metadata['minimum']}, got {value}")
    return value


def parse_since(raw: str) -> str:
    """Validate ``--since`` (epoch ms or ISO-8601) and return it as EventStreams accepts it."""
    if re.fullmatch(r"\d{10,14}", raw):
        return raw
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        raise SettingsError(
            f"{_names('since')} = {raw!r} is neither epoch milliseconds nor ISO-8601 "
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
    raw = {name: _pick(ns, env, name) for name in _SETTINGS}
    checked = _checked_text(raw, env)
    kafka_config = _kafka_config(ns, env)
    values = {name: _value(name, text) for name, text in raw.items()} | checked
    _check_resume(values["resume_rewind_s"], values["dedup_window"])
    return ProducerSettings(**values, reset_position=ns.reset_position, kafka_config=kafka_config)


def _checked_text(raw: Mapping[str, str | None], env: Mapping[str, str]) -> dict[str, Any]:
    """The text settings with rules: User-Agent, URL, protocol, region, --since, log level."""
    user_agent = raw["user_agent"]
    if not user_agent:
        raise SettingsError(
            f"{_names('user_agent')} is required: Wikimedia rejects generic clients. "
            "Set e.g. 'WikiStream/0.1 (https://example.org/wikistream; you@example.org)'"
        )
    if "@" not in user_agent and "http" not in user_agent:
        raise SettingsError(
            f"{_names('user_agent')} = {user_agent!r} has no contact info: "
            "add an e-mail address or URL, as Wikimedia's User-Agent policy requires"
        )
    sse_url = _value("sse_url", raw["sse_url"])
    if not re.match(r"https?://", sse_url):
        raise SettingsError(f"{_names('sse_url')} = {sse_url!r} is not an http(s) URL")
    security = _value("security_protocol", raw["security_protocol"]).lower()
    if security not in SECURITY_PROTOCOLS:
        raise SettingsError(
            f"{_names('security_protocol')} = {security!r}: use one of "
            f"{', '.join(SECURITY_PROTOCOLS)}"
        )
    region = raw["aws_region"] or env.get("AWS_REGION", "")
    if security == "msk-iam" and not region:
        raise SettingsError(f"{_names('aws_region')} is required with msk-iam")
    return {
        "user_agent": user_agent,
        "sse_url": sse_url,
        "security_protocol": security,
        "aws_region": region,
        "since": parse_since(raw["since"]) if raw["since"] else None,
        "log_level": _value("log_level", raw["log_level"]).upper(),
    }


def _kafka_config(ns: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    extra = list(ns.kafka_config) or [
        kv for kv in (env.get("PRODUCER_KAFKA_CONFIG") or "").split(",") if kv
    ]
    kafka_config = {}
    for kv in extra:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise SettingsError(f"--kafka-config {kv!r} is not KEY=VALUE")
        kafka_config[key.strip()] = value.strip()
    return kafka_config


def _check_resume(rewind: float, window: int) -> None:
    need = int(2 * rewind * LIVE_EVENTS_PER_S)
    if window < need:
        raise SettingsError(
            f"{_names('dedup_window')} = {window} is smaller than twice what a "
            f"{rewind:g} s rewind re-reads at ~{LIVE_EVENTS_PER_S} events/s: use >= {need}, "
            f"or lower {flag('resume_rewind_s')}"
        )
