"""The producer and Dagster container definitions as Terraform renders them, for given inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tests.aws_example import AWS_ENV
from tests.containers.ecs import Image, parse_dockerfile
from tests.containers.hcl_eval import Evaluator
from tests.infra.infra_hcl import MODULES, REPO, load_module

PRODUCER_IMAGE = REPO / "producer_service" / "Dockerfile"
DAGSTER_IMAGE = REPO / "Dockerfile.dagster"


def producer_image() -> Image:
    return parse_dockerfile(PRODUCER_IMAGE)


def dagster_image() -> Image:
    return parse_dockerfile(DAGSTER_IMAGE)


def _containers(module: str, task: str, variables: Mapping[str, Any], resources: Mapping) -> list:
    mod = load_module(MODULES / module)
    body = mod.of_type("aws_ecs_task_definition")[task]
    return json.loads(Evaluator(mod, variables, resources).template(body["container_definitions"]))


def producer_container(**variables: Any) -> dict:
    """The producer's container definition (variables: the module's, e.g. ``sse_url``)."""
    defaults = {
        "msk_bootstrap_servers": "b-1.msk.example:9098",
        "user_agent": "WikiStream contract test (ops@example.org)",
        "image_tag": "test",
    }
    (container,) = _containers("producer", "this", {**defaults, **variables}, {})
    return container


def dagster_container(task: str, **variables: Any) -> dict:
    """One Dagster task's container (``webserver``, ``daemon`` or ``run``)."""
    defaults = {
        "name": "wikistream",
        "image_tag": "test",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "msk_bootstrap_servers": "b-1.msk.example:9098",
        "wikistream_env": AWS_ENV,
    }
    resources = {
        "aws_db_instance.this.address": variables.pop("db_host", "db.example"),
        "aws_ecs_cluster.this.arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/wikistream",
        "aws_security_group.tasks.id": "sg-tasks",
    }
    (container,) = _containers("orchestration", task, {**defaults, **variables}, resources)
    return container
