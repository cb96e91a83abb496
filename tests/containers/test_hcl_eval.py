"""The HCL subset evaluator the contracts rely on: what it renders, and what it refuses."""

from __future__ import annotations

import pytest

from tests.containers.hcl_eval import Evaluator
from tests.containers.hcl_expr import HclError
from tests.containers.tasks import dagster_container, producer_container
from tests.infra.infra_hcl import MODULES, load_module


def test_producer_environment_is_the_modules_settings():
    container = producer_container(sse_url="http://twin:1/stream", metrics_port=9200)
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["PRODUCER_SSE_URL"] == "http://twin:1/stream"
    assert env["PRODUCER_METRICS_PORT"] == "9200"  # tostring(var.metrics_port)
    assert env["PRODUCER_STATE_DIR"] == "/var/lib/wikistream/producer"  # local.state_dir
    assert container["portMappings"][0]["containerPort"] == 9200
    assert "9200/health" in container["healthCheck"]["command"][-1]


def test_dagster_container_merges_settings_and_renders_the_instance():
    container = dagster_container("daemon", db_host="db.internal")
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["WIKISTREAM_DEPLOYMENT"] == "aws" and env["DAGSTER_PG_HOST"] == "db.internal"
    assert "hostname:\n        env: DAGSTER_PG_HOST" in env["DAGSTER_INSTANCE_YAML"]
    # jsonencode(var.network.subnet_ids)
    assert '["subnet-a","subnet-b"]' in env["DAGSTER_INSTANCE_YAML"]
    assert container["command"][:2] == ["/bin/sh", "-c"]
    assert container["command"][2].endswith("dagster-daemon run -w workspace.yaml")


def test_a_variable_without_default_must_be_given():
    ev = Evaluator(load_module(MODULES / "producer"), {}, {})
    with pytest.raises(HclError, match="var.user_agent has no default"):
        ev.template("${var.user_agent}")


def test_health_check_only_where_the_task_names_an_endpoint():
    """ecs_task builds healthCheck from health_check with {for c in var.health_check[*] : ...}:
    the webserver gets /server_info, the daemon (health_check null) no check at all."""
    check = dagster_container("webserver")["healthCheck"]
    assert "http://127.0.0.1:3000/server_info" in check["command"][-1]
    assert (check["timeout"], check["startPeriod"]) == (10, 120)
    assert "healthCheck" not in dagster_container("daemon")


def test_splat_and_for_expressions():
    ev = Evaluator(load_module(MODULES / "ecs_task"), {"x": None, "y": {"a": 1}}, {})
    assert ev.template("${var.x[*]}") == [] and ev.template("${var.y[*]}") == [{"a": 1}]
    assert ev.template('${{ for v in var.x[*] : "k" => v.a }}') == {}
    assert ev.template('${{ for v in var.y[*] : "k" => v.a }}') == {"k": 1}
    assert ev.template("${[for v in var.x[*] : v]}") == []
