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
    WIKISTREAM_EMR_APPLICATION_ID     = module.emr_serverless.application_id
    WIKISTREAM_EMR_EXECUTION_ROLE_ARN = module.emr_serverless.execution_role_arn
    WIKISTREAM_ARTIFACTS_BUCKET       = module.lakehouse.artifacts_bucket_name
    WIKISTREAM_TABLE_BUCKET_ARN       = module.lakehouse.table_bucket_arn
    WIKISTREAM_MSK_BOOTSTRAP_SERVERS  = module.msk.bootstrap_brokers_sasl_iam
    WIKISTREAM_ALERTS_TOPIC_ARN       = module.monitoring.alerts_topic_arn
    WIKISTREAM_EMR_LOG_GROUP          = module.emr_serverless.log_group_name
  }
}

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
  vpc_id               = module.network.vpc_id
  subnet_ids           = module.network.private_subnet_ids
  client_cidr_blocks   = module.network.private_subnet_cidrs
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

  name                  = local.name
  log_retention_days    = var.log_retention_days
  release_label         = var.emr_release_label
  sizing                = local.spark_sizing
  prewarm               = var.emr_prewarm
  log_group_name        = "/aws/emr-serverless/${var.project}" # Dagster reads it: WIKISTREAM_EMR_LOG_GROUP
  vpc_id                = module.network.vpc_id
  vpc_cidr              = module.network.vpc_cidr
  subnet_ids            = module.network.private_subnet_ids
  s3_prefix_list_id     = module.network.s3_prefix_list_id
  artifacts_bucket_arn  = module.lakehouse.artifacts_bucket_arn
  table_bucket_arn      = module.lakehouse.table_bucket_arn
  lakehouse_kms_key_arn = module.lakehouse.kms_key_arn
  msk_cluster_arn       = module.msk.cluster_arn
  raw_topic_arn         = module.msk.topic_arns["raw-events"]
  dlq_topic_arn         = module.msk.topic_arns["dlq-events"]
  msk_group_arn_prefix  = module.msk.group_arn_prefix
}

module "producer" {
  source = "../../modules/producer"

  name                  = local.name
  log_retention_days    = var.log_retention_days
  vpc_id                = module.network.vpc_id
  vpc_cidr              = module.network.vpc_cidr
  subnet_ids            = module.network.private_subnet_ids
  image_tag             = var.producer_image_tag
  user_agent            = var.producer_user_agent
  msk_bootstrap_servers = module.msk.bootstrap_brokers_sasl_iam
  msk_cluster_arn       = module.msk.cluster_arn
  topic_arns            = values(module.msk.topic_arns)

  # Start producing once the topics exist (auto-creation is off).
  start_after = { for step in terraform_data.kafka_topics : "kafka_topics" => step.id }
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                 = local.name
  alert_emails         = var.alert_emails
  msk_cluster_name     = module.msk.cluster_name
  emr_application_id   = module.emr_serverless.application_id
  emr_application_name = module.emr_serverless.application_name
  db_instance_id       = module.orchestration.db_instance_id

  ecs_services = {
    producer = {
      cluster_name = module.producer.cluster_name
      service_name = module.producer.service_name
    }
    dagster-webserver = {
      cluster_name = module.orchestration.cluster_name
      service_name = module.orchestration.webserver_service_name
    }
    dagster-daemon = {
      cluster_name = module.orchestration.cluster_name
      service_name = module.orchestration.daemon_service_name
    }
  }
}

module "orchestration" {
  source = "../../modules/orchestration"

  name                   = local.name
  log_retention_days     = var.log_retention_days
  vpc_id                 = module.network.vpc_id
  vpc_cidr               = module.network.vpc_cidr
  subnet_ids             = module.network.private_subnet_ids
  image_tag              = var.dagster_image_tag
  wikistream_env         = local.dagster_aws_env
  certificate_arn        = var.dagster_certificate_arn
  ui_hostname            = var.dagster_ui_hostname
  allowed_cidrs          = var.dagster_allowed_cidrs
  emr_application_arn    = module.emr_serverless.application_arn
  emr_execution_role_arn = module.emr_serverless.execution_role_arn
  emr_log_group_arn      = module.emr_serverless.log_group_arn
  artifacts_bucket_arn   = module.lakehouse.artifacts_bucket_arn
  table_bucket_arn       = module.lakehouse.table_bucket_arn
  lakehouse_kms_key_arn  = module.lakehouse.kms_key_arn
  alerts_topic_arn       = module.monitoring.alerts_topic_arn
  alerts_kms_key_arn     = module.monitoring.kms_key_arn
  metrics_namespace      = module.monitoring.metrics_namespace
  msk_cluster_arn        = module.msk.cluster_arn
  msk_bootstrap_servers  = module.msk.bootstrap_brokers_sasl_iam
  topic_arns             = values(module.msk.topic_arns)
  db_multi_az            = var.dagster_db_multi_az
}

# Idempotent admin step: the AWS provider has no MSK topic resource, so the project's own command
# (`wikistream kafka create-topics --bootstrap ... --msk-iam`) runs as a one-off ECS task inside
# the VPC whenever the cluster, the admin image or the topic settings change.
resource "terraform_data" "kafka_topics" {
  count = var.create_kafka_topics ? 1 : 0

  triggers_replace = {
    bootstrap       = module.msk.bootstrap_brokers_sasl_iam
    task_definition = module.orchestration.kafka_admin_task_definition_arn
    topics          = jsonencode(module.msk.topics)
  }

  provisioner "local-exec" {
    command = "bash ${path.module}/../../scripts/run-ecs-task.sh"

    environment = {
      AWS_REGION      = var.region
      CLUSTER         = module.orchestration.cluster_arn
      TASK_DEFINITION = module.orchestration.kafka_admin_task_definition_arn
      SUBNETS         = join(",", module.orchestration.task_subnet_ids)
      SECURITY_GROUPS = module.orchestration.task_security_group_id
    }
  }
}
