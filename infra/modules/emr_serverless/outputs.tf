output "application_id" {
  description = "ID of the EMR Serverless application (WIKISTREAM_EMR_APPLICATION_ID)."
  value       = aws_emrserverless_application.this.id
}

output "application_arn" {
  description = "ARN of the EMR Serverless application."
  value       = aws_emrserverless_application.this.arn
}

output "application_name" {
  description = "Name of the application (the ApplicationName dimension of its metrics)."
  value       = aws_emrserverless_application.this.name
}

output "execution_role_arn" {
  description = "Job runtime role passed on every StartJobRun (WIKISTREAM_EMR_EXECUTION_ROLE_ARN)."
  value       = module.job_role.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the jobs (Dagster Pipes reads it)."
  value       = module.kms.log_groups.jobs.name
}

output "log_group_arn" {
  description = "ARN of the jobs' log group."
  value       = module.kms.log_groups.jobs.arn
}

output "security_group_id" {
  description = "Security group of the workers."
  value       = module.security_group.id
}

output "capacity" {
  description = "Maximum and pre-initialized capacity derived from var.sizing (numbers: vCPU, GB)."
  value = {
    maximum = local.maximum_capacity
    initial = local.initial_capacity
    peaks   = local.peak
  }
}
