output "application" {
  description = "The Spark application and what a job run names: id (WIKISTREAM_EMR_APPLICATION_ID) and name (its metrics' ApplicationId and ApplicationName), ARN, the job runtime role passed on every StartJobRun (WIKISTREAM_EMR_EXECUTION_ROLE_ARN), the jobs' CloudWatch log group, which Dagster Pipes reads (name: WIKISTREAM_EMR_LOG_GROUP; ARN)."
  value = {
    id                 = aws_emrserverless_application.this.id
    name               = aws_emrserverless_application.this.name
    arn                = aws_emrserverless_application.this.arn
    execution_role_arn = module.job_role.arn
    log_group_name     = module.kms.log_groups.jobs.name
    log_group_arn      = module.kms.log_groups.jobs.arn
  }
}

output "capacity" {
  description = "Maximum and pre-initialized capacity derived from var.sizing (numbers: vCPU, GB)."
  value = {
    maximum = local.maximum_capacity
    initial = local.initial_capacity
    peaks   = local.peak
  }
}
