"""A real Apache Kafka 3.9.1 broker in KRaft mode (combined broker + controller, one node).

Jars come from Maven Central (``maven.KAFKA``); data, config and logs live in the state
directory; the broker binds to 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import logging
import subprocess
import time
import uuid
from pathlib import Path

from wikistream_dagster.config import RAW_TOPIC, Settings
from wikistream_dagster.deployment import kafka_topics
from wikistream_dagster.local import maven
from wikistream_dagster.local.java import java_executable
from wikistream_dagster.local.process import Service, ServiceError

log = logging.getLogger(__name__)

# name -> (partitions, config) on a cluster: wikistream_dagster/deployment/kafka_topics.json,
# which Terraform's MSK module reads too.
TOPICS: dict[str, tuple[int, dict[str, str]]] = kafka_topics()
# The local broker's raw-events: one partition per local core, so each bronze micro-batch splits
# evenly over local[2] (3 partitions on 2 cores leave one core idle a third of the time).
LOCAL_RAW_PARTITIONS = 2


def service(settings: Settings) -> Service:
    return Service.of(settings, "kafka")


def _home(settings: Settings) -> Path:
    return settings.path("kafka")


def server_properties(settings: Settings) -> str:
    """The broker's configuration: single node, loopback only, data in the state dir."""
    host = "127.0.0.1"
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{settings.kafka_controller_port}",
        "listeners": f"PLAINTEXT://{host}:{settings.kafka_port},"
        f"CONTROLLER://{host}:{settings.kafka_controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{settings.kafka_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(_home(settings) / "data"),
        "num.partitions": "3",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "log.retention.hours": "168",
        "message.max.bytes": str(2 * 1024 * 1024),
    }
    return "".join(f"{k}={v}\n" for k, v in props.items())


LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
"""


def _cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _java_base(settings: Settings, lib: Path) -> list[str]:
    home = _home(settings)
    return [
        java_executable(),
        f"-Xms{min(256, settings.kafka_heap_mb)}m",
        f"-Xmx{settings.kafka_heap_mb}m",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{home / 'log4j.properties'}",
        f"-Dkafka.logs.dir={settings.logs_dir}",
        "-cp",
        maven.classpath(lib),
    ]


def _format_storage(settings: Settings, lib: Path) -> None:
    home = _home(settings)
    if (home / "data" / "meta.properties").exists():
        return
    cmd = [
        *_java_base(settings, lib),
        "kafka.tools.StorageTool",
        "format",
        f"--cluster-id={_cluster_id()}",  # `=`: a generated id may start with "-"
        "-c",
        str(home / "server.properties"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ServiceError(f"formatting Kafka storage failed: {proc.stdout}{proc.stderr}")
    log.info("kafka storage formatted", extra={"dir": str(home / "data")})


def start(settings: Settings, timeout: float = 60.0) -> None:
    """Start the broker unless it runs, wait until it serves requests, create the topics."""
    svc = service(settings)
    if svc.pid() is None:
        lib = maven.ensure_bundle(maven.KAFKA, settings.jars_dir)
        home = _home(settings)
        home.mkdir(parents=True, exist_ok=True)
        (home / "server.properties").write_text(server_properties(settings))
        (home / "log4j.properties").write_text(LOG4J)
        _format_storage(settings, lib)
        t0 = time.monotonic()
        svc.start([*_java_base(settings, lib), "kafka.Kafka", str(home / "server.properties")])
        svc.wait_port("127.0.0.1", settings.kafka_port, timeout)
        log.info(
            "kafka listening",
            extra={
                "bootstrap": settings.kafka_bootstrap,
                "seconds": round(time.monotonic() - t0, 1),
            },
        )
    create_topics(settings.kafka_bootstrap, timeout=timeout)


def stop(settings: Settings) -> bool:
    return service(settings).stop(timeout=30)


def replication_factor(local: bool) -> int:
    """1 on the single local broker; on a cluster -1, i.e. its default.replication.factor (MSK:
    Terraform sets 3 with min.insync.replicas 2), so the two cannot drift apart."""
    return 1 if local else -1


def create_topics(
    bootstrap: str, timeout: float = 30.0, client_conf: dict | None = None, local: bool = True
) -> None:
    """Create ``raw-events`` and ``dlq-events`` if they are missing (idempotent); ``local``:
    the laptop broker (``raw-events`` sized to the local cores)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap, **(client_conf or {})})
    deadline = time.monotonic() + timeout
    while True:
        try:
            existing = set(admin.list_topics(timeout=5).topics)
            break
        except KafkaException as exc:
            if time.monotonic() > deadline:
                raise ServiceError(f"Kafka at {bootstrap} does not answer: {exc}") from exc
            time.sleep(0.5)
    wanted = [
        NewTopic(
            name,
            num_partitions=LOCAL_RAW_PARTITIONS if local and name == RAW_TOPIC else parts,
            replication_factor=replication_factor(local),
            config=conf,
        )
        for name, (parts, conf) in TOPICS.items()
        if name not in existing
    ]
    if not wanted:
        return
    for name, fut in admin.create_topics(wanted, request_timeout=timeout).items():
        try:
            fut.result()
            log.info("topic created", extra={"topic": name})
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise ServiceError(f"could not create topic {name}: {exc}") from exc


def status(settings: Settings) -> dict:
    """Broker health and per-topic, per-partition offsets."""
    pid = service(settings).pid()
    out: dict = {
        "running": pid is not None,
        "pid": pid,
        "bootstrap": settings.kafka_bootstrap,
        "topics": {},
    }
    if pid is None:
        return out
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": "ws-status",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(timeout=5)
        out["brokers"] = len(meta.brokers)
        out["healthy"] = True
        for name in sorted(meta.topics):
            if name.startswith("__"):
                continue
            parts = {}
            for p in sorted(meta.topics[name].partitions):
                low, high = consumer.get_watermark_offsets(TopicPartition(name, p), timeout=5)
                parts[p] = {"low": low, "high": high}
            out["topics"][name] = {
                "partitions": parts,
                "messages": sum(v["high"] - v["low"] for v in parts.values()),
            }
    except KafkaException as exc:
        out["healthy"] = False
        out["error"] = str(exc)
    finally:
        consumer.close()
    return out
