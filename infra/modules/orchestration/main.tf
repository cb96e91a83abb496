module "aws" {
  source = "../aws_context"
}

locals {
  cluster_name    = "${var.name}-dagster"
  log_group_name  = "/${var.name}/dagster"
  db_identifier   = "${var.name}-dagster"
  db_name         = "dagster"
  db_username     = "dagster"
  db_log_exports  = ["postgresql", "upgrade"]
  run_task_family = "${var.name}-dagster-run"
  dagster_home    = "/opt/dagster/dagster_home"
  artifacts       = var.wikistream_env["WIKISTREAM_ARTIFACTS_BUCKET"]
  # Dagster's S3ComputeLogManager prefix (templates/dagster.yaml.tftpl): the only place it writes.
  compute_logs_prefix = "logs/dagster/compute"
}

################################################################################
# Encryption key: logs, database, secret, images
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${local.cluster_name}: logs, run storage, secrets, images"
  alias       = local.cluster_name
  # Dagster's containers' group and the database's exports (RDS writes to the groups made here).
  log_groups = {
    sid               = "DagsterAndDatabaseLogs"
    create            = merge({ containers = local.log_group_name }, { for log in local.db_log_exports : log => "/aws/rds/instance/${local.db_identifier}/${log}" })
    retention_in_days = var.log_retention_days
  }
}

# Cluster, image repository and execution role (pull the image, write the logs, read the database
# secret).
module "cluster" {
  source = "../ecs_cluster"

  name        = local.cluster_name
  kms_key_arn = module.kms.arn
  log_group   = module.kms.log_groups.containers
  secret_arns = [local.db_secret_arn]
}
