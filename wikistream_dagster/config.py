"""The one place where WikiStream reads its environment.

Everything else receives a :class:`Settings` object. Env vars are read when ``load_settings`` is
called (at CLI start or definition-build time), never at import time, so tests can build settings
from a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# One error type for a bad setting in both programs, and the names the producer defines for
# the stream and the topics (standard library only).
from producer_service.event_limits import DLQ_TOPIC as DLQ_TOPIC
from producer_service.event_limits import RAW_TOPIC as RAW_TOPIC
from producer_service.settings import DEFAULT_SSE_URL as DEFAULT_SSE_URL
from producer_service.settings import SettingsError as SettingsError
from wikistream_dagster.contracts.hours import PARTITION_START

DEPLOYMENTS = ("local", "aws")
AUTOMATIONS = ("schedule", "eager")


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


@dataclass(frozen=True)
class Settings:
    """Where local state lives and how the local services are reached."""

    root: Path
    state_dir: Path
    cache_dir: Path
    deployment: str = "local"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    catalog_port: int = 8181
    replay_port: int = 8765
    producer_metrics_port: int = 9108
    dagster_port: int = 3000
    kafka_heap_mb: int = 512
    autostart: bool = True  # bronze supervisor and 5-minute schedule start with Dagster
    automation: str = "schedule"  # or "eager": silver/gold react to new bronze data instead
    # First hour partition (UTC): Dagster's hourly partitions start here, and bronze sends
    # earlier events to the DLQ (reason event_time_before_partition_start).
    partition_start: date = PARTITION_START
    # Issue 14: snapshots from before a redaction live at most this long (maintenance).
    redaction_expire_hours: float = 24.0
    aws: AwsSettings = field(default_factory=AwsSettings)

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def catalog_uri(self) -> str:
        return f"http://127.0.0.1:{self.catalog_port}"

    @property
    def replay_url(self) -> str:
        return f"http://127.0.0.1:{self.replay_port}/v2/stream/recentchange"

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
            "WIKISTREAM_ROOT": str(self.root),
            "WIKISTREAM_STATE_DIR": str(self.state_dir),
            "WIKISTREAM_CACHE_DIR": str(self.cache_dir),
            "WIKISTREAM_DEPLOYMENT": self.deployment,
            "WIKISTREAM_KAFKA_PORT": str(self.kafka_port),
            "WIKISTREAM_KAFKA_CONTROLLER_PORT": str(self.kafka_controller_port),
            "WIKISTREAM_CATALOG_PORT": str(self.catalog_port),
            "WIKISTREAM_REPLAY_PORT": str(self.replay_port),
            "WIKISTREAM_PRODUCER_METRICS_PORT": str(self.producer_metrics_port),
            "WIKISTREAM_DAGSTER_PORT": str(self.dagster_port),
            "WIKISTREAM_AUTOSTART": "true" if self.autostart else "false",
            "WIKISTREAM_AUTOMATION": self.automation,
            "WIKISTREAM_PARTITION_START": self.partition_start.isoformat(),
            "WIKISTREAM_REDACTION_EXPIRE_HOURS": repr(self.redaction_expire_hours),
        }
        aws = {name: getattr(self.aws, attr) for attr, name in AwsSettings.ENV.items()}
        return env | {name: value for name, value in aws.items() if value}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
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


def _automation(env: Mapping[str, str]) -> str:
    value = env.get("WIKISTREAM_AUTOMATION") or "schedule"
    if value not in AUTOMATIONS:
        raise SettingsError(
            f"WIKISTREAM_AUTOMATION={value!r} is unknown: set it to one of {AUTOMATIONS}"
        )
    return value


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


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Parse settings from environment variables (``os.environ`` by default)."""
    env = os.environ if env is None else env
    root = Path(env.get("WIKISTREAM_ROOT") or project_root()).resolve()
    state_dir = Path(env.get("WIKISTREAM_STATE_DIR") or root / ".state").resolve()
    cache_dir = Path(env.get("WIKISTREAM_CACHE_DIR") or state_dir / "cache").resolve()
    deployment = env.get("WIKISTREAM_DEPLOYMENT", "local") or "local"
    if deployment not in DEPLOYMENTS:
        raise SettingsError(
            f"WIKISTREAM_DEPLOYMENT={deployment!r} is unknown: set it to one of {DEPLOYMENTS}"
        )
    aws = AwsSettings(**{attr: env.get(name, "") for attr, name in AwsSettings.ENV.items()})
    if deployment == "aws":
        aws.require_complete()
    return Settings(
        root=root,
        state_dir=state_dir,
        cache_dir=cache_dir,
        deployment=deployment,
        kafka_port=_int(env, "WIKISTREAM_KAFKA_PORT", 9092),
        kafka_controller_port=_int(env, "WIKISTREAM_KAFKA_CONTROLLER_PORT", 9093),
        catalog_port=_int(env, "WIKISTREAM_CATALOG_PORT", 8181),
        replay_port=_int(env, "WIKISTREAM_REPLAY_PORT", 8765),
        producer_metrics_port=_int(env, "WIKISTREAM_PRODUCER_METRICS_PORT", 9108),
        dagster_port=_int(env, "WIKISTREAM_DAGSTER_PORT", 3000),
        autostart=_bool(env, "WIKISTREAM_AUTOSTART", True),
        automation=_automation(env),
        partition_start=_date(env, "WIKISTREAM_PARTITION_START", PARTITION_START),
        redaction_expire_hours=_hours(env, "WIKISTREAM_REDACTION_EXPIRE_HOURS", 24.0),
        aws=aws,
    )


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


# pydeequ refuses to import without SPARK_VERSION: spark-submit's environment and the EMR request
# set it; a benchmark that runs the quality job in its own process sets it with ``use_spark_env``.
SPARK_ENV = {"SPARK_VERSION": "3.5"}


def use_spark_env() -> None:
    """Make this process able to import pydeequ (in-process Spark: benchmarks)."""
    for name, value in SPARK_ENV.items():
        os.environ.setdefault(name, value)
