"""Deployment numbers shared by the code and Terraform (``infra/``), as JSON both read.

``kafka_topics.json``: partitions and configs of the topics (``wikistream kafka create-topics``
and ``modules/msk``). ``spark_sizing.json``: driver/executor sizes and executor counts of every
EMR Serverless job (the StartJobRun request) and the application's capacity derived from them
(``modules/emr_serverless``). Standard library only, so Spark jobs may import it too.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KAFKA_TOPICS_FILE = HERE / "kafka_topics.json"
SPARK_SIZING_FILE = HERE / "spark_sizing.json"


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def kafka_topics() -> dict[str, tuple[int, dict[str, str]]]:
    """Topic name -> (partitions, config), as ``kafka_topics.json`` defines them."""
    topics = _load(KAFKA_TOPICS_FILE)["topics"]
    return {name: (t["partitions"], dict(t["config"])) for name, t in topics.items()}


@dataclass(frozen=True)
class Worker:
    """One EMR Serverless worker: what the application allots and what Spark is told to use."""

    cpu: int
    memory_gb: int
    disk_gb: int

    def overhead_mb(self, fraction: float) -> int:
        """Off-heap share of the worker (PySpark's Python processes live there)."""
        return max(384, math.ceil(self.memory_gb * 1024 * fraction))

    def heap_mb(self, fraction: float) -> int:
        """JVM heap, so that heap + overhead is exactly the worker's memory."""
        return self.memory_gb * 1024 - self.overhead_mb(fraction)


@dataclass(frozen=True)
class JobSize:
    initial_executors: int
    min_executors: int
    max_executors: int


@dataclass(frozen=True)
class SparkSizing:
    driver: Worker
    executor: Worker
    overhead_fraction: float
    jobs: dict[str, JobSize]
    concurrency: tuple[tuple[str, ...], ...]
    prewarmed: str

    def spark_conf(self, job: str) -> dict[str, str]:
        """The Spark settings of one job run: sizes, disks and the dynamic allocation bounds."""
        if job not in self.jobs:
            raise ValueError(f"no size for Spark job {job!r}: add it to {SPARK_SIZING_FILE}")
        size, f = self.jobs[job], self.overhead_fraction
        conf: dict[str, str] = {}
        for role, worker in (("driver", self.driver), ("executor", self.executor)):
            conf[f"spark.{role}.cores"] = str(worker.cpu)
            conf[f"spark.{role}.memory"] = f"{worker.heap_mb(f)}m"
            conf[f"spark.{role}.memoryOverhead"] = f"{worker.overhead_mb(f)}m"
            conf[f"spark.emr-serverless.{role}.disk"] = f"{worker.disk_gb}G"
        conf |= {
            "spark.dynamicAllocation.enabled": "true",
            "spark.dynamicAllocation.initialExecutors": str(size.initial_executors),
            "spark.dynamicAllocation.minExecutors": str(size.min_executors),
            "spark.dynamicAllocation.maxExecutors": str(size.max_executors),
        }
        return conf


@cache
def spark_sizing() -> SparkSizing:
    raw = _load(SPARK_SIZING_FILE)
    return SparkSizing(
        driver=Worker(**raw["driver"]),
        executor=Worker(**raw["executor"]),
        overhead_fraction=raw["memory_overhead_fraction"],
        jobs={name: JobSize(**size) for name, size in raw["jobs"].items()},
        concurrency=tuple(tuple(group) for group in raw["concurrency"]),
        prewarmed=raw["prewarmed"],
    )
