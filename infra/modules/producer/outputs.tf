output "cluster_name" {
  description = "ECS cluster of the producer."
  value       = module.cluster.name
}

output "service_name" {
  description = "ECS service of the producer."
  value       = module.service.name
}

output "ecr_repository_url" {
  description = "Push the producer image here (tag = image_tag)."
  value       = module.cluster.repository_url
}

output "task_role_arn" {
  description = "Role of the producer task (MSK write, EFS)."
  value       = module.task_role.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the producer."
  value       = module.cluster.log_group_name
}

output "state_file_system_id" {
  description = "EFS file system holding the resume position."
  value       = aws_efs_file_system.state.id
}

output "environment" {
  description = "producer_service settings set on the container."
  value       = local.environment
}
