output "id" {
  description = "ID of the cluster (services)."
  value       = aws_ecs_cluster.this.id
}

output "arn" {
  description = "ARN of the cluster (run tasks, IAM conditions)."
  value       = aws_ecs_cluster.this.arn
}

output "name" {
  description = "Name of the cluster (the ClusterName dimension of its metrics)."
  value       = aws_ecs_cluster.this.name
}

output "log_group_name" {
  description = "Log group of the containers (awslogs-group)."
  value       = var.log_group.name
}

output "repository_url" {
  description = "Push images here; task definitions name <repository_url>:<tag>."
  value       = module.ecr.repository_url
}

output "execution_role_arn" {
  description = "Execution role of every task definition of the cluster."
  value       = module.execution_role.arn
}
