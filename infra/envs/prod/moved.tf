# State addresses that changed when repeated blocks became one definition (issue #12): Terraform
# moves the existing objects to their new addresses instead of destroying and re-creating them.
# Drop these blocks once every deployment has applied them (moved blocks are safe to keep).
# tests/infra/test_infra_references.py checks that every target is declared.

# Every module's KMS key and alias from the internal kms_key module.

moved {
  from = module.network.aws_kms_key.this
  to   = module.network.module.kms.aws_kms_key.this
}

moved {
  from = module.network.aws_kms_alias.this
  to   = module.network.module.kms.aws_kms_alias.this
}

moved {
  from = module.msk.aws_kms_key.this
  to   = module.msk.module.kms.aws_kms_key.this
}

moved {
  from = module.msk.aws_kms_alias.this
  to   = module.msk.module.kms.aws_kms_alias.this
}

moved {
  from = module.lakehouse.aws_kms_key.this
  to   = module.lakehouse.module.kms.aws_kms_key.this
}

moved {
  from = module.lakehouse.aws_kms_alias.this
  to   = module.lakehouse.module.kms.aws_kms_alias.this
}

moved {
  from = module.emr_serverless.aws_kms_key.this
  to   = module.emr_serverless.module.kms.aws_kms_key.this
}

moved {
  from = module.emr_serverless.aws_kms_alias.this
  to   = module.emr_serverless.module.kms.aws_kms_alias.this
}

moved {
  from = module.producer.aws_kms_key.this
  to   = module.producer.module.kms.aws_kms_key.this
}

moved {
  from = module.producer.aws_kms_alias.this
  to   = module.producer.module.kms.aws_kms_alias.this
}

moved {
  from = module.orchestration.aws_kms_key.this
  to   = module.orchestration.module.kms.aws_kms_key.this
}

moved {
  from = module.orchestration.aws_kms_alias.this
  to   = module.orchestration.module.kms.aws_kms_alias.this
}

moved {
  from = module.monitoring.aws_kms_key.this
  to   = module.monitoring.module.kms.aws_kms_key.this
}

moved {
  from = module.monitoring.aws_kms_alias.this
  to   = module.monitoring.module.kms.aws_kms_alias.this
}

# Security-group rules made from maps with for_each (one resource per module and direction).

moved {
  from = module.orchestration.aws_vpc_security_group_ingress_rule.webserver_from_alb
  to   = module.orchestration.aws_vpc_security_group_ingress_rule.this["webserver_from_alb"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_ingress_rule.db_from_tasks
  to   = module.orchestration.aws_vpc_security_group_ingress_rule.this["db_from_tasks"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.alb_to_idp
  to   = module.orchestration.aws_vpc_security_group_egress_rule.this["alb_to_idp"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.alb_to_webserver
  to   = module.orchestration.aws_vpc_security_group_egress_rule.this["alb_to_webserver"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.tasks_https
  to   = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_https"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.tasks_postgres
  to   = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_postgres"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.tasks_kafka
  to   = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_kafka"]
}

moved {
  from = module.producer.aws_vpc_security_group_ingress_rule.efs_from_task
  to   = module.producer.aws_vpc_security_group_ingress_rule.this["efs_from_task"]
}

moved {
  from = module.producer.aws_vpc_security_group_egress_rule.https
  to   = module.producer.aws_vpc_security_group_egress_rule.this["https"]
}

moved {
  from = module.producer.aws_vpc_security_group_egress_rule.kafka
  to   = module.producer.aws_vpc_security_group_egress_rule.this["kafka"]
}

moved {
  from = module.producer.aws_vpc_security_group_egress_rule.nfs
  to   = module.producer.aws_vpc_security_group_egress_rule.this["nfs"]
}

moved {
  from = module.emr_serverless.aws_vpc_security_group_egress_rule.https_vpc
  to   = module.emr_serverless.aws_vpc_security_group_egress_rule.this["https_vpc"]
}

moved {
  from = module.emr_serverless.aws_vpc_security_group_egress_rule.https_s3
  to   = module.emr_serverless.aws_vpc_security_group_egress_rule.this["https_s3"]
}

moved {
  from = module.emr_serverless.aws_vpc_security_group_egress_rule.kafka
  to   = module.emr_serverless.aws_vpc_security_group_egress_rule.this["kafka"]
}

# CloudWatch alarms made from maps with for_each (query alarms, single-metric alarms).

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.producer_rate_low
  to   = module.monitoring.aws_cloudwatch_metric_alarm.query["producer_rate_low"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.dlq_rate_high
  to   = module.monitoring.aws_cloudwatch_metric_alarm.query["dlq_rate_high"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.kafka_disk
  to   = module.monitoring.aws_cloudwatch_metric_alarm.query["kafka_disk"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.job_failures
  to   = module.monitoring.aws_cloudwatch_metric_alarm.query["job_failures"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.bronze_lag
  to   = module.monitoring.aws_cloudwatch_metric_alarm.metric["bronze_lag"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.db_cpu
  to   = module.monitoring.aws_cloudwatch_metric_alarm.metric["db_cpu"]
}

moved {
  from = module.monitoring.aws_cloudwatch_metric_alarm.db_storage
  to   = module.monitoring.aws_cloudwatch_metric_alarm.metric["db_storage"]
}

# IAM roles from the internal iam_role module (trust policy, role, inline policy).

moved {
  from = module.network.aws_iam_role.flow_logs
  to   = module.network.module.flow_logs_role.aws_iam_role.this
}

moved {
  from = module.network.aws_iam_role_policy.flow_logs
  to   = module.network.module.flow_logs_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.emr_serverless.aws_iam_role.job
  to   = module.emr_serverless.module.job_role.aws_iam_role.this
}

moved {
  from = module.emr_serverless.aws_iam_role_policy.job
  to   = module.emr_serverless.module.job_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.producer.aws_iam_role.execution
  to   = module.producer.module.execution_role.aws_iam_role.this
}

moved {
  from = module.producer.aws_iam_role_policy.execution
  to   = module.producer.module.execution_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.producer.aws_iam_role.task
  to   = module.producer.module.task_role.aws_iam_role.this
}

moved {
  from = module.producer.aws_iam_role_policy.task
  to   = module.producer.module.task_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.orchestration.aws_iam_role.execution
  to   = module.orchestration.module.execution_role.aws_iam_role.this
}

moved {
  from = module.orchestration.aws_iam_role_policy.execution
  to   = module.orchestration.module.execution_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.orchestration.aws_iam_role.webserver
  to   = module.orchestration.module.webserver_role.aws_iam_role.this
}

moved {
  from = module.orchestration.aws_iam_role_policy.webserver
  to   = module.orchestration.module.webserver_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.orchestration.aws_iam_role.worker
  to   = module.orchestration.module.worker_role.aws_iam_role.this
}

moved {
  from = module.orchestration.aws_iam_role_policy.worker
  to   = module.orchestration.module.worker_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.orchestration.aws_iam_role.kafka_admin
  to   = module.orchestration.module.kafka_admin_role.aws_iam_role.this
}

moved {
  from = module.orchestration.aws_iam_role_policy.kafka_admin
  to   = module.orchestration.module.kafka_admin_role.aws_iam_role_policy.this[0]
}

moved {
  from = module.orchestration.aws_iam_role.rds_monitoring
  to   = module.orchestration.module.rds_monitoring_role.aws_iam_role.this
}

moved {
  from = module.orchestration.aws_iam_role_policy_attachment.rds_monitoring
  to   = module.orchestration.module.rds_monitoring_role.aws_iam_role_policy_attachment.this[0]
}

# Image repositories from the internal ecr_repository module.

moved {
  from = module.producer.aws_ecr_repository.this
  to   = module.producer.module.ecr.aws_ecr_repository.this
}

moved {
  from = module.producer.aws_ecr_lifecycle_policy.this
  to   = module.producer.module.ecr.aws_ecr_lifecycle_policy.this
}

moved {
  from = module.orchestration.aws_ecr_repository.this
  to   = module.orchestration.module.ecr.aws_ecr_repository.this
}

moved {
  from = module.orchestration.aws_ecr_lifecycle_policy.this
  to   = module.orchestration.module.ecr.aws_ecr_lifecycle_policy.this
}
