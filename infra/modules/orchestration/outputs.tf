output "cluster_name" {
  description = "ECS cluster of Dagster (webserver, daemon and run tasks)."
  value       = module.cluster.name
}

output "cluster_arn" {
  description = "ARN of the Dagster ECS cluster."
  value       = module.cluster.arn
}

output "webserver_service_name" {
  description = "ECS service of the webserver."
  value       = module.service["webserver"].name
}

output "daemon_service_name" {
  description = "ECS service of the daemon."
  value       = module.service["daemon"].name
}

output "ui_url" {
  description = "URL of the Dagster UI (point ui_hostname at load_balancer_dns_name in your private DNS)."
  value       = "https://${var.ui_hostname}"
}

output "load_balancer_dns_name" {
  description = "DNS name of the internal load balancer; ui_hostname must resolve to it."
  value       = aws_lb.this.dns_name
}

output "ui_user_pool_id" {
  description = "Cognito user pool of the UI's users (add them with aws cognito-idp admin-create-user)."
  value       = aws_cognito_user_pool.ui.id
}

output "ecr_repository_url" {
  description = "Push the Dagster image here (tag = image_tag)."
  value       = module.cluster.repository_url
}

output "db_instance_id" {
  description = "Identifier of the RDS instance."
  value       = aws_db_instance.this.identifier
}

output "db_secret_arn" {
  description = "Secrets Manager secret RDS manages with the database credentials (username, password)."
  value       = local.db_secret_arn
}

output "worker_role_arn" {
  description = "Role of the daemon and run tasks."
  value       = module.worker_role.arn
}

output "kafka_admin_task_definition_arn" {
  description = "One-off task that creates the Kafka topics (wikistream kafka create-topics --msk-iam)."
  value       = module.task["kafka_admin"].arn
}

output "task_security_group_id" {
  description = "Security group of the Dagster tasks (and of the admin task)."
  value       = module.tasks_security_group.id
}

output "task_subnet_ids" {
  description = "Subnets the Dagster tasks run in."
  value       = var.subnet_ids
}
