################################################################################
# Run storage: RDS PostgreSQL (dagster-postgres), password managed by RDS in Secrets Manager
################################################################################

resource "aws_db_subnet_group" "this" {
  name       = local.db_identifier
  subnet_ids = var.network.subnet_ids
}

resource "aws_db_parameter_group" "this" {
  name   = "${local.db_identifier}-pg${var.db_engine_version}"
  family = "postgres${var.db_engine_version}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  lifecycle {
    create_before_destroy = true
  }
}

module "rds_monitoring_role" {
  source = "../iam_role"

  name               = "${local.db_identifier}-rds-monitoring"
  service            = "monitoring.rds.amazonaws.com"
  managed_policy_arn = "arn:${module.aws.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = local.db_identifier
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class
  db_name        = local.db_name
  username       = local.db_username

  # RDS generates the password and keeps it in Secrets Manager under this module's key.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.kms.arn
  port                          = 5432

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.arn

  db_subnet_group_name                = aws_db_subnet_group.this.name
  vpc_security_group_ids              = [module.db_security_group.id]
  parameter_group_name                = aws_db_parameter_group.this.name
  publicly_accessible                 = false
  multi_az                            = var.db_multi_az
  iam_database_authentication_enabled = true

  backup_retention_period   = 7
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.db_identifier}-final"

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = local.db_log_exports
  performance_insights_enabled    = true
  performance_insights_kms_key_id = module.kms.arn
  monitoring_interval             = 60
  monitoring_role_arn             = module.rds_monitoring_role.arn

  depends_on = [module.kms] # its log groups exist before RDS would make them unencrypted
}
