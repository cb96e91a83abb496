locals {
  name = "${var.project}-${var.environment}"

  tags = merge(var.tags, {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  # Numbers the code and Terraform share (wikistream_dagster/deployment): the topics that
  # `wikistream kafka create-topics` creates, and the Spark sizes every EMR job run asks for.
  deployment   = "${path.module}/../../../wikistream_dagster/deployment"
  kafka_topics = jsondecode(file("${local.deployment}/kafka_topics.json"))
  spark_sizing = jsondecode(file("${local.deployment}/spark_sizing.json"))

  # The Dagster `aws` deployment settings (wikistream_dagster/config.py, AwsSettings.ENV), set on
  # every Dagster container and printed by `terraform output dagster_aws_env`.
  dagster_aws_env = {
    WIKISTREAM_DEPLOYMENT             = "aws"
    WIKISTREAM_AWS_REGION             = var.region
    WIKISTREAM_EMR_APPLICATION_ID     = module.emr_serverless.application.id
    WIKISTREAM_EMR_EXECUTION_ROLE_ARN = module.emr_serverless.application.execution_role_arn
    WIKISTREAM_ARTIFACTS_BUCKET       = module.lakehouse.buckets.artifacts_bucket_name
    WIKISTREAM_TABLE_BUCKET_ARN       = module.lakehouse.buckets.table_bucket_arn
    WIKISTREAM_MSK_BOOTSTRAP_SERVERS  = module.msk.connection.bootstrap_servers
    WIKISTREAM_ALERTS_TOPIC_ARN       = module.monitoring.alerts.topic_arn
    WIKISTREAM_EMR_LOG_GROUP          = module.emr_serverless.application.log_group_name
  }
}

# Each module takes what another one made as that module's one object output (the VPC as
# `network`, the cluster as `kafka`, the buckets as `lakehouse`, ...), not attribute by attribute.

module "network" {
  source = "../../modules/network"

  name               = local.name
  log_retention_days = var.log_retention_days
  cidr               = var.vpc_cidr
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
}

module "msk" {
  source = "../../modules/msk"

  name                 = local.name
  log_retention_days   = var.log_retention_days
  network              = module.network.network
  broker_count         = var.kafka_broker_count
  broker_instance_type = var.kafka_broker_instance_type
  broker_volume_size   = var.kafka_broker_volume_size
  topics               = local.kafka_topics.topics
}

module "lakehouse" {
  source = "../../modules/lakehouse"

  name = local.name
}

module "emr_serverless" {
  source = "../../modules/emr_serverless"

  name               = local.name
  log_retention_days = var.log_retention_days
  release_label      = var.emr_release_label
  sizing             = local.spark_sizing
  prewarm            = var.emr_prewarm
  log_group_name     = "/aws/emr-serverless/${var.project}" # Dagster reads it: WIKISTREAM_EMR_LOG_GROUP
  network            = module.network.network
  lakehouse          = module.lakehouse.buckets
  kafka              = module.msk.connection
}

module "producer" {
  source = "../../modules/producer"

  name               = local.name
  log_retention_days = var.log_retention_days
  image_tag          = var.producer_image_tag
  user_agent         = var.producer_user_agent
  network            = module.network.network
  kafka              = module.msk.connection

  # Start producing once the topics exist (auto-creation is off).
  start_after = { for step in terraform_data.kafka_topics : "kafka_topics" => step.id }
}

module "monitoring" {
  source = "../../modules/monitoring"

  name             = local.name
  alert_emails     = var.alert_emails
  msk_cluster_name = module.msk.cluster_name
  emr              = module.emr_serverless.application
  db_instance_id   = module.orchestration.db.instance_id
  ecs_services     = merge(module.producer.services, module.orchestration.services)
}

module "orchestration" {
  source = "../../modules/orchestration"

  name               = local.name
  log_retention_days = var.log_retention_days
  image_tag          = var.dagster_image_tag
  wikistream_env     = local.dagster_aws_env
  certificate_arn    = var.dagster_certificate_arn
  ui_hostname        = var.dagster_ui_hostname
  allowed_cidrs      = var.dagster_allowed_cidrs
  db_multi_az        = var.dagster_db_multi_az
  network            = module.network.network
  kafka              = module.msk.connection
  lakehouse          = module.lakehouse.buckets
  emr                = module.emr_serverless.application
  alerts             = module.monitoring.alerts
}

# Idempotent admin step: the AWS provider has no MSK topic resource, so the project's own command
# (`wikistream kafka create-topics --bootstrap ... --msk-iam`) runs as a one-off ECS task inside
# the VPC whenever the cluster, the admin image or the topic settings change.
resource "terraform_data" "kafka_topics" {
  count = var.create_kafka_topics ? 1 : 0

  triggers_replace = {
    bootstrap       = module.msk.connection.bootstrap_servers
    task_definition = module.orchestration.kafka_admin_task.task_definition_arn
    topics          = jsonencode(module.msk.topics)
  }

  provisioner "local-exec" {
    command = "bash ${path.module}/../../scripts/run-ecs-task.sh"

    environment = {
      AWS_REGION      = var.region
      CLUSTER         = module.orchestration.kafka_admin_task.cluster_arn
      TASK_DEFINITION = module.orchestration.kafka_admin_task.task_definition_arn
      SUBNETS         = join(",", module.orchestration.kafka_admin_task.subnet_ids)
      SECURITY_GROUPS = module.orchestration.kafka_admin_task.security_group_id
    }
  }
}
