# Plans and applies the whole prod env against a mocked AWS provider (no account, no network):
# run by tests/infra/test_terraform.py as `terraform test` in a copy of infra/.
# Needs Terraform >= 1.7 (mock_provider).

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  region                  = "eu-west-1"
  producer_image_tag      = "0.1.0"
  dagster_image_tag       = "0.1.0"
  producer_user_agent     = "WikiStream/0.1 (ops@example.com)"
  dagster_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  dagster_ui_hostname     = "dagster.internal.example.com"
  dagster_allowed_cidrs   = ["10.0.0.0/8"]
  create_kafka_topics     = false # the real step runs an ECS task with the AWS CLI
}

run "prod_env" {
  command = apply # in memory: every resource comes from the mocked provider

  # Private subnets everywhere: the Dagster tasks (and through the same input, MSK, EMR, the
  # producer and RDS) sit in the network module's private subnets, one per AZ.
  assert {
    condition     = tolist(module.orchestration.kafka_admin_task.subnet_ids) == tolist(module.network.network.subnet_ids)
    error_message = "Dagster's tasks must run in the private subnets."
  }
  assert {
    condition     = length(module.network.network.subnet_ids) == 3 && length(module.network.network.azs) == 3
    error_message = "Three AZs by default (one MSK broker in each)."
  }

  # Kafka: 3 replicas, 2 in sync; the topics of kafka_topics.json.
  assert {
    condition     = module.msk.replication.replication_factor == 3 && module.msk.replication.min_insync_replicas == 2
    error_message = "MSK must replicate 3 times with min.insync.replicas = 2."
  }
  assert {
    condition     = jsonencode(module.msk.topics) == jsonencode(jsondecode(file("../../../wikistream_dagster/deployment/kafka_topics.json")).topics)
    error_message = "The MSK topics must be kafka_topics.json's."
  }
  assert {
    condition     = alltrue([for t in values(module.msk.topics) : tonumber(t.config["retention.ms"]) >= 604800000])
    error_message = "Every topic keeps at least a week."
  }

  # EMR capacity: bronze plus the largest medallion job plus maintenance at their ceilings fit.
  assert {
    condition = (
      module.emr_serverless.capacity.maximum.cpu >= module.emr_serverless.capacity.peaks.bronze.cpu + max(module.emr_serverless.capacity.peaks.silver.cpu, module.emr_serverless.capacity.peaks.quality.cpu, module.emr_serverless.capacity.peaks.gold.cpu) + module.emr_serverless.capacity.peaks.maintenance.cpu
      && module.emr_serverless.capacity.maximum.memory_gb >= module.emr_serverless.capacity.peaks.bronze.memory_gb + max(module.emr_serverless.capacity.peaks.silver.memory_gb, module.emr_serverless.capacity.peaks.quality.memory_gb, module.emr_serverless.capacity.peaks.gold.memory_gb) + module.emr_serverless.capacity.peaks.maintenance.memory_gb
    )
    error_message = "Bronze, one medallion job and maintenance must fit the application's maximum capacity."
  }
  assert {
    condition     = module.emr_serverless.capacity.initial.Driver.count == 1 && module.emr_serverless.capacity.initial.Executor.count == jsondecode(file("../../../wikistream_dagster/deployment/spark_sizing.json")).jobs.bronze.initial_executors
    error_message = "The pre-initialized workers are bronze's driver and initial executors."
  }

  # Names the code expects (config.py settings; Dagster's StartJobRun names the log group).
  assert {
    condition     = output.dagster_aws_env.WIKISTREAM_EMR_LOG_GROUP == module.emr_serverless.application.log_group_name
    error_message = "Dagster must read the EMR jobs' log group from the module that creates it."
  }
  assert {
    condition     = output.dagster_aws_env.WIKISTREAM_DEPLOYMENT == "aws" && output.dagster_aws_env.WIKISTREAM_AWS_REGION == "eu-west-1"
    error_message = "dagster_aws_env must select the aws deployment in the env's region."
  }
  assert {
    condition     = length(output.dagster_aws_env) == 9 && alltrue([for v in values(output.dagster_aws_env) : v != ""])
    error_message = "Every Dagster aws setting must be set."
  }
  assert {
    condition     = tolist(module.lakehouse.namespaces) == tolist(["bronze", "gold", "silver"])
    error_message = "The medallion namespaces must exist."
  }
  assert {
    condition     = contains(module.lakehouse.tables.silver, "quality_history") && contains(module.lakehouse.tables.gold, "editor_risk")
    error_message = "quality_history is a silver table; gold.editor_risk must be listed."
  }
  assert {
    condition     = output.dagster_ui.url == "https://dagster.internal.example.com"
    error_message = "The UI is served at its DNS name (Cognito returns there)."
  }
}

run "two_brokers_are_refused" {
  command = plan

  variables {
    az_count           = 2
    kafka_broker_count = 2
  }

  expect_failures = [var.kafka_broker_count]
}
