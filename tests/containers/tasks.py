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


def _containers(
    module: str, variables: Mapping[str, Any], resources: Mapping, each: tuple | None = None
) -> list:
    """The container definitions of the module's ecs_task call, as ECS receives them: the call's
    arguments evaluated in the module (``each``: the for_each key and value of one task), then
    ecs_task's container (the shared fields merged over the caller's) evaluated with them."""
    mod = load_module(MODULES / module)
    if each is not None:
        key, value = each
        resources = {**resources, "each.key": key, "each.value": value}
        resources |= {f"each.value.{name}": part for name, part in value.items()}
    caller = Evaluator(mod, variables, resources)
    call = mod.calls("ecs_task")["task"]
    given = ("container", "environment", "volumes", "log_group_name", "health_check")
    args = {name: caller.value(call[name]) for name in given if name in call}
    ecs_task = load_module(MODULES / "ecs_task")
    (body,) = ecs_task.of_type("aws_ecs_task_definition").values()
    region = {"data.aws_region.current.id": "eu-west-1"}
    return json.loads(Evaluator(ecs_task, args, region).template(body["container_definitions"]))


def producer_container(**variables: Any) -> dict:
    """The producer's container definition (variables: the module's, e.g. ``sse_url``)."""
    defaults = {
        "kafka": {"bootstrap_servers": "b-1.msk.example:9098"},
        "user_agent": "WikiStream contract test (ops@example.org)",
        "image_tag": "test",
    }
    (container,) = _containers("producer", {**defaults, **variables}, {})
    return container


def dagster_container(task: str, **variables: Any) -> dict:
    """One Dagster task's container (``webserver``, ``daemon`` or ``run``)."""
    defaults = {
        "name": "wikistream",
        "image_tag": "test",
        "network": {"subnet_ids": ["subnet-a", "subnet-b"]},
        "kafka": {"bootstrap_servers": "b-1.msk.example:9098"},
        "wikistream_env": AWS_ENV,
    }
    resources = {
        "aws_db_instance.this.address": variables.pop("db_host", "db.example"),
        "module.cluster.arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/wikistream",
        "module.tasks_security_group.id": "sg-tasks",
    }
    tasks = Evaluator(load_module(MODULES / "orchestration"), {**defaults, **variables}, resources)
    each = (task, tasks.local("tasks")[task])
    (container,) = _containers("orchestration", {**defaults, **variables}, resources, each)
    return container
