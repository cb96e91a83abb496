# Log groups made by the kms_key module with the key that encrypts them (issue #12, duplicate
# code): flow logs, MSK broker logs, EMR job logs and the RDS logs (the whole for_each resource,
# same keys). The producer's and Dagster's container logs are ecs_cluster's (moved_ecs.tf).

moved {
  from = module.network.aws_cloudwatch_log_group.flow_logs
  to   = module.network.module.kms.aws_cloudwatch_log_group.this["flow_logs"]
}

moved {
  from = module.msk.aws_cloudwatch_log_group.broker
  to   = module.msk.module.kms.aws_cloudwatch_log_group.this["broker"]
}

moved {
  from = module.emr_serverless.aws_cloudwatch_log_group.this
  to   = module.emr_serverless.module.kms.aws_cloudwatch_log_group.this["jobs"]
}

moved {
  from = module.orchestration.aws_cloudwatch_log_group.db
  to   = module.orchestration.module.kms.aws_cloudwatch_log_group.this
}
