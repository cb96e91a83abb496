"""The one place where WikiStream reads its environment.

Everything else receives a :class:`Settings` object. Env vars are read when ``load_settings`` is
called (at CLI start or definition-build time), never at import time, so tests can build settings
from a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

# One error type for a bad setting in both programs, and the names the producer defines for
# the stream and the topics (standard library only).
from producer_service.event_limits import DLQ_TOPIC as DLQ_TOPIC
from producer_service.event_limits import RAW_TOPIC as RAW_TOPIC
from producer_service.settings import DEFAULT_SSE_URL as DEFAULT_SSE_URL
from producer_service.settings import ProducerSettings
from producer_service.settings import SettingsError as SettingsError
from wikistream_dagster.contracts.hours import PARTITION_START

DEPLOYMENTS = ("local", "aws")
AUTOMATIONS = ("schedule", "eager")
LOOPBACK = "127.0.0.1"  # every local service listens here only


def project_root() -> Path:
    """The source checkout (where pyproject.toml lives)."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class AwsSettings:
    """Names of the AWS resources the `aws` deployment uses (Terraform outputs, see infra/)."""

    region: str = ""
    emr_application_id: str = ""
    emr_execution_role_arn: str = ""
    artifacts_bucket: str = ""
    table_bucket_arn: str = ""
    msk_bootstrap_servers: str = ""
    alerts_topic_arn: str = ""
    emr_log_group: str = ""  # where EMR jobs log and Dagster Pipes reads their messages

    ENV = {
        "region": "WIKISTREAM_AWS_REGION",
        "emr_application_id": "WIKISTREAM_EMR_APPLICATION_ID",
        "emr_execution_role_arn": "WIKISTREAM_EMR_EXECUTION_ROLE_ARN",
        "artifacts_bucket": "WIKISTREAM_ARTIFACTS_BUCKET",
        "table_bucket_arn": "WIKISTREAM_TABLE_BUCKET_ARN",
        "msk_bootstrap_servers": "WIKISTREAM_MSK_BOOTSTRAP_SERVERS",
        "alerts_topic_arn": "WIKISTREAM_ALERTS_TOPIC_ARN",
        "emr_log_group": "WIKISTREAM_EMR_LOG_GROUP",
    }

    def require_complete(self) -> None:
        missing = [env for attr, env in self.ENV.items() if not getattr(self, attr)]
        if missing:
            raise SettingsError(
                "deployment 'aws' needs these settings (Terraform outputs, see infra/README.md): "
                + ", ".join(missing)
            )


# Readers of one variable: (env, name, default) -> value, or a SettingsError that says what to set.
Parse = Callable[[Mapping[str, str], str, Any], Any]


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer: set it to a port number") from None
    if not 0 < value < 65536:
        raise SettingsError(f"{name}={value} is out of range: set it to a port in 1-65535")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean: set it to true or false")


def _one_of(choices: tuple[str, ...]) -> Parse:
    def parse(env: Mapping[str, str], name: str, default: str) -> str:
        value = env.get(name) or default
        if value not in choices:
            raise SettingsError(f"{name}={value!r} is unknown: set it to one of {choices}")
        return value

    return parse


def _date(env: Mapping[str, str], name: str, default: date) -> date:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a date: set it like 2018-03-07") from None


def _hours(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number: set it to hours, e.g. 24") from None
    if not value >= 0:
        raise SettingsError(f"{name}={value} is negative: set it to hours, e.g. 24")
    return value


def _var(default: Any = MISSING, parse: Parse | None = None, write: Callable = str) -> Any:
    """A field that travels as the variable ``WIKISTREAM_<FIELD>``: ``load_settings`` reads it
    with ``parse`` (None: read apart), ``Settings.to_env`` writes it with ``write``."""
    return field(default=default, metadata={"parse": parse, "write": write})


def env_name(setting: str) -> str:
    """The variable of a setting: ``kafka_port`` -> ``WIKISTREAM_KAFKA_PORT``."""
    return f"WIKISTREAM_{setting.upper()}"


@dataclass(frozen=True)
class Settings:
    """Where local state lives and how the local services are reached.

    Each field made with ``_var`` is one variable (``env_name``): its default, how it is read and
    how it is written back are declared here once, for ``load_settings`` and ``to_env``."""

    root: Path = _var()
    state_dir: Path = _var()
    cache_dir: Path = _var()
    deployment: str = _var("local", _one_of(DEPLOYMENTS))
    kafka_port: int = _var(9092, _port)
    kafka_controller_port: int = _var(9093, _port)
    catalog_port: int = _var(8181, _port)
    replay_port: int = _var(8765, _port)
    producer_metrics_port: int = _var(ProducerSettings.metrics_port, _port)
    dagster_port: int = _var(3000, _port)
    kafka_heap_mb: int = 512  # no variable
    # bronze supervisor and 5-minute schedule start with Dagster
    autostart: bool = _var(True, _bool, lambda on: "true" if on else "false")
    # "schedule" (every 5 minutes), or "eager": silver/gold react to new bronze data instead
    automation: str = _var("schedule", _one_of(AUTOMATIONS))
    # First hour partition (UTC): Dagster's hourly partitions start here, and bronze sends
    # earlier events to the DLQ (reason event_time_before_partition_start).
    partition_start: date = _var(PARTITION_START, _date, date.isoformat)
    # Issue 14: snapshots from before a redaction live at most this long (maintenance).
    redaction_expire_hours: float = _var(24.0, _hours, repr)
    aws: AwsSettings = field(default_factory=AwsSettings)

    @property
    def kafka_bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.kafka_port}"

    def local_url(self, port: int, path: str = "") -> str:
        """The URL of ``path`` on a local service's HTTP ``port``."""
        return f"http://{LOOPBACK}:{port}{path}"

    @property
    def catalog_uri(self) -> str:
        return self.local_url(self.catalog_port)

    @property
    def replay_url(self) -> str:
        return self.local_url(self.replay_port, "/v2/stream/recentchange")

    @property
    def producer_health_url(self) -> str:
        return self.local_url(self.producer_metrics_port, "/health")

    def path(self, *parts: str) -> Path:
        """A path inside the state directory (broker data, checkpoints, warehouse, logs...)."""
        return self.state_dir.joinpath(*parts)

    @property
    def run_dir(self) -> Path:
        return self.path("run")

    @property
    def logs_dir(self) -> Path:
        return self.path("logs")

    @property
    def jars_dir(self) -> Path:
        return self.cache_dir / "jars"

    def to_env(self) -> dict[str, str]:
        """These settings as the variables ``load_settings`` reads back to an equal object: the
        one way to hand them to a child process (``kafka_heap_mb`` has no variable)."""
        env = {
            env_name(f.name): f.metadata["write"](getattr(self, f.name))
            for f in fields(self)
            if "write" in f.metadata
        }
        aws = {name: getattr(self.aws, attr) for attr, name in AwsSettings.ENV.items()}
        return env | {name: value for name, value in aws.items() if value}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Parse settings from environment variables (``os.environ`` by default)."""
    env = os.environ if env is None else env
    root = Path(env.get("WIKISTREAM_ROOT") or project_root()).resolve()
    state_dir = Path(env.get("WIKISTREAM_STATE_DIR") or root / ".state").resolve()
    cache_dir = Path(env.get("WIKISTREAM_CACHE_DIR") or state_dir / "cache").resolve()
    values = {
        f.name: f.metadata["parse"](env, env_name(f.name), f.default)
        for f in fields(Settings)
        if f.metadata.get("parse")
    }
    aws = AwsSettings(**{attr: env.get(name, "") for attr, name in AwsSettings.ENV.items()})
    if values["deployment"] == "aws":
        aws.require_complete()
    return Settings(root, state_dir, cache_dir, **values, aws=aws)


@dataclass(frozen=True)
class CliDefaults:
    """Flag defaults the CLI takes from variables that are not WikiStream settings."""

    log_level: str = "INFO"  # WIKISTREAM_LOG_LEVEL
    aws_region: str = ""  # AWS_REGION, the AWS tools' own variable
    user_agent: str = ""  # PRODUCER_USER_AGENT, the producer's (local stack, recorder)
    java_home: str = ""  # JAVA_HOME: its java wins over the one on PATH


def cli_defaults(env: Mapping[str, str] | None = None) -> CliDefaults:
    env = os.environ if env is None else env
    return CliDefaults(
        log_level=env.get("WIKISTREAM_LOG_LEVEL") or "INFO",
        aws_region=env.get("AWS_REGION", ""),
        user_agent=env.get("PRODUCER_USER_AGENT", ""),
        java_home=env.get("JAVA_HOME", ""),
    )


def child_env(base: Mapping[str, str] | None = None, **overrides: str) -> dict[str, str]:
    """The environment a child process (Kafka, spark-submit, dagster, pytest) starts with: this
    process's (or ``base``) plus ``overrides``."""
    return dict(os.environ if base is None else base) | overrides


def dagster_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Dagster's own variables as Dagster reads them, from this process: ``DAGSTER_HOME`` and
    those the instance config names with ``{env: NAME}`` (the AWS tasks' ``DAGSTER_PG_*``)."""
    return dict(os.environ if env is None else env)


# pydeequ refuses to import without SPARK_VERSION: spark-submit's environment and the EMR request
# set it; a benchmark that runs the quality job in its own process sets it with ``use_spark_env``.
SPARK_ENV = {"SPARK_VERSION": "3.5"}


def use_spark_env() -> None:
    """Make this process able to import pydeequ (in-process Spark: benchmarks)."""
    for name, value in SPARK_ENV.items():
        os.environ.setdefault(name, value)
