"""The Terraform outputs and settings map onto the names the rest of the project uses."""

import re

from tests.infra.infra_hcl import has, squash
from wikistream_dagster.config import DEFAULT_SSE_URL, DLQ_TOPIC, RAW_TOPIC, AwsSettings, Settings
from wikistream_dagster.deployment import kafka_topics

# Where each Dagster `aws` setting comes from (module, output.attribute), and what it really is.
SOURCES = {
    "WIKISTREAM_EMR_APPLICATION_ID": (
        "emr_serverless",
        "application.id",
        "aws_emrserverless_application.this.id",
    ),
    "WIKISTREAM_EMR_EXECUTION_ROLE_ARN": (
        "emr_serverless",
        "application.execution_role_arn",
        "module.job_role.arn",
    ),
    "WIKISTREAM_ARTIFACTS_BUCKET": (
        "lakehouse",
        "buckets.artifacts_bucket_name",
        "aws_s3_bucket.artifacts.id",
    ),
    "WIKISTREAM_TABLE_BUCKET_ARN": (
        "lakehouse",
        "buckets.table_bucket_arn",
        "aws_s3tables_table_bucket.this.arn",
    ),
    "WIKISTREAM_MSK_BOOTSTRAP_SERVERS": (
        "msk",
        "connection.bootstrap_servers",
        "aws_msk_cluster.this.bootstrap_brokers_sasl_iam",
    ),
    "WIKISTREAM_ALERTS_TOPIC_ARN": ("monitoring", "alerts.topic_arn", "aws_sns_topic.alerts.arn"),
    "WIKISTREAM_EMR_LOG_GROUP": (
        "emr_serverless",
        "application.log_group_name",
        "module.kms.log_groups.jobs.name",  # the kms_key module creates the encrypted group
    ),
}


def test_dagster_aws_env_has_exactly_the_settings_of_the_aws_deployment(root):
    env = root.locals["dagster_aws_env"]
    assert set(env) == {"WIKISTREAM_DEPLOYMENT", *AwsSettings.ENV.values()}
    assert env["WIKISTREAM_DEPLOYMENT"] == "aws"
    assert env["WIKISTREAM_AWS_REGION"] == "${var.region}"
    assert root.outputs["dagster_aws_env"]["value"] == "${local.dagster_aws_env}"


def test_each_setting_comes_from_the_right_resource(modules, root):
    env = root.locals["dagster_aws_env"]
    assert set(SOURCES) | {"WIKISTREAM_DEPLOYMENT", "WIKISTREAM_AWS_REGION"} == set(env)
    for setting, (module, output, attribute) in SOURCES.items():
        assert env[setting] == f"${{module.{module}.{output}}}", setting
        name, part = output.split(".")
        assert modules[module].outputs[name]["value"][part] == f"${{{attribute}}}", setting


def test_dagster_containers_get_the_settings(modules, root):
    assert root.modules["orchestration"]["wikistream_env"] == "${local.dagster_aws_env}"
    orchestration = modules["orchestration"]
    assert squash(orchestration.locals["environment"]).startswith("merge(var.wikistream_env,")
    task = orchestration.calls("ecs_task")["task"]
    assert task["for_each"] == "${local.tasks}" and task["environment"] == "${local.environment}"
    assert set(orchestration.locals["tasks"]) == {"webserver", "daemon", "run", "kafka_admin"}
    # ecs_task writes every container's environment from the map it is given.
    container = modules["ecs_task"].locals["container"]
    assert has(container, "[for key, value in var.environment : { name = key, value = value }]")
    validation = orchestration.variables["wikistream_env"]["validation"][0]["condition"]
    assert all(has(validation, f'"{name}"') for name in AwsSettings.ENV.values())


def test_dagster_instance_uses_ecs_run_launcher_and_postgres(modules):
    orchestration = modules["orchestration"]
    template = (orchestration.path / "templates" / "dagster.yaml.tftpl").read_text()
    assert "module: dagster_aws.ecs\n  class: EcsRunLauncher" in template
    assert "container_name: run" in template
    assert "storage:\n  postgres:" in template and "sslmode: require" in template
    assert orchestration.locals["tasks"]["run"]["container"] == {"name": "run"}
    family = orchestration.calls("ecs_task")["task"]["family"]
    assert has(family, 'each.key == "run" ? local.run_task_family')


def test_kafka_topics_match_the_project(modules, root):
    msk = modules["msk"]
    assert set(kafka_topics()) == {RAW_TOPIC, DLQ_TOPIC}
    assert msk.variables["retention_hours"]["default"] >= 7 * 24
    properties = msk.locals["server_properties"]
    assert properties["auto.create.topics.enable"] == "false"
    assert properties["log.retention.hours"] == "${tostring(var.retention_hours)}"
    admin = modules["orchestration"].locals["tasks"]["kafka_admin"]
    assert admin["container"]["command"] == [
        "wikistream",
        "kafka",
        "create-topics",
        "--bootstrap",
        "${var.kafka.bootstrap_servers}",
        "--msk-iam",
    ]
    (step,) = root.of_type("terraform_data").values()
    assert "run-ecs-task.sh" in step["provisioner"][0]["local-exec"]["command"]


def test_producer_settings_match_producer_service(modules):
    producer = modules["producer"]
    env = producer.locals["environment"]
    assert set(env) == {
        "PRODUCER_SSE_URL",
        "PRODUCER_BOOTSTRAP_SERVERS",
        "PRODUCER_STATE_DIR",
        "PRODUCER_USER_AGENT",
        "PRODUCER_SECURITY_PROTOCOL",
        "PRODUCER_AWS_REGION",
        "PRODUCER_METRICS_HOST",
        "PRODUCER_METRICS_PORT",
    }
    assert env["PRODUCER_SECURITY_PROTOCOL"] == "msk-iam"
    assert env["PRODUCER_METRICS_HOST"] == "0.0.0.0"
    assert producer.variables["metrics_port"]["default"] == Settings.producer_metrics_port == 9108
    assert producer.variables["sse_url"]["default"] == DEFAULT_SSE_URL
    assert "user_agent" in producer.variables and "default" not in producer.variables["user_agent"]
    task = producer.calls("ecs_task")["task"]
    assert task["environment"] == "${local.environment}"
    container = task["container"]
    # The image's ENTRYPOINT starts the producer; a `command` would be appended to it as
    # arguments (tests/containers/test_producer_container.py builds the argv ECS runs).
    assert "command" not in container
    # ECS checks the metrics server's /health (ecs_task builds the check; tests/containers run it).
    assert task["health_check"]["port"] == "${var.metrics_port}"
    assert task["health_check"]["path"] == "/health"
    assert task["volumes"]["state"]["path"] == "${local.state_dir}"
    assert env["PRODUCER_STATE_DIR"] == "${local.state_dir}"


def test_lakehouse_namespaces_and_tables(modules):
    lakehouse = modules["lakehouse"]
    tables = lakehouse.locals["tables"]
    assert list(tables) == ["bronze", "silver", "gold"]
    (namespaces,) = lakehouse.of_type("aws_s3tables_namespace").values()
    assert namespaces["for_each"] == "${toset(keys(local.tables))}"
    assert "wiki_events" in tables["bronze"] and "wiki_events_cleaned" in tables["silver"]
    assert {"hourly_edit_stats", "entity_trends", "risk_scores"} <= set(tables["gold"])


def test_spark_runs_on_emr_7_with_spark_3_5(modules):
    emr = modules["emr_serverless"]
    assert re.fullmatch(r"emr-7\.\d+\.\d+", emr.variables["release_label"]["default"])
    (app,) = emr.of_type("aws_emrserverless_application").values()
    assert app["type"] == "spark"
    # Logging is set per job run (the request names the log group Pipes reads, see
    # tests/dagster/test_emr_request.py): the application-level block needs provider 6.x.
    assert "monitoring_configuration" not in app
    assert app["auto_stop_configuration"][0]["enabled"] is True
    assert app["maximum_capacity"][0]["cpu"] == "${local.maximum_capacity.cpu} vCPU"


def test_emr_log_group_is_created_where_dagster_reads_it(modules):
    """Dagster's StartJobRun request names the log group Pipes reads (WIKISTREAM_EMR_LOG_GROUP,
    the module's output: see SOURCES); the module must create that one."""
    emr = modules["emr_serverless"]
    kms = emr.calls("kms_key")["kms"]
    assert kms["log_groups"]["create"] == {"jobs": "${local.log_group_name}"}
    application = emr.outputs["application"]["value"]
    assert application["log_group_name"] == "${module.kms.log_groups.jobs.name}"
    assert squash(emr.locals["log_group_name"]).startswith("var.log_group_name!=")


def test_readmes_document_every_module_and_the_dagster_settings(modules):
    for module in modules.values():
        assert (module.path / "README.md").read_text().startswith(f"# {module.name}")
        assert {p.name for p in module.path.glob("*.tf")} >= {
            "main.tf",
            "variables.tf",
            "outputs.tf",
            "versions.tf",
        }
    readme = (modules["network"].path.parents[1] / "README.md").read_text()
    for name in ["WIKISTREAM_DEPLOYMENT", *AwsSettings.ENV.values()]:
        assert name in readme, f"infra/README.md does not explain {name}"
    assert "idle" in readme.lower() and "busy" in readme.lower()
