data "aws_region" "current" {}

locals {
  region = data.aws_region.current.id

  service_name   = "${var.name}-producer"
  log_group_name = "/${var.name}/producer"
  state_dir      = "/var/lib/wikistream/producer"

  # producer_service settings (see `python -m producer_service --help`).
  environment = {
    PRODUCER_SSE_URL           = var.sse_url
    PRODUCER_BOOTSTRAP_SERVERS = var.kafka.bootstrap_servers
    PRODUCER_STATE_DIR         = local.state_dir
    PRODUCER_USER_AGENT        = var.user_agent
    PRODUCER_SECURITY_PROTOCOL = "msk-iam"
    PRODUCER_AWS_REGION        = local.region
    PRODUCER_METRICS_HOST      = "0.0.0.0"
    PRODUCER_METRICS_PORT      = tostring(var.metrics_port)
  }
}

################################################################################
# Encryption key: logs, the EFS state volume, the image repository
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${local.service_name}: logs, resume state, images"
  alias       = local.service_name
  log_groups  = { sid = "ProducerLogs", create = { containers = local.log_group_name }, retention_in_days = var.log_retention_days }
}

# Cluster, image repository and execution role (pull the image, write the logs).
module "cluster" {
  source = "../ecs_cluster"

  name        = local.service_name
  kms_key_arn = module.kms.arn
  log_group   = module.kms.log_groups.containers
}
