output "services" {
  description = "The services that must always run one task, by display name: their cluster and service (the monitoring module's `ecs_services`)."
  value       = { for key, service in module.service : "dagster-${key}" => { cluster_name = module.cluster.name, service_name = service.name } }
}

output "ui" {
  description = "The Dagster UI: its URL, the internal load balancer's DNS name (point ui_hostname at it in your private DNS), the Cognito user pool of its users (add them with aws cognito-idp admin-create-user)."
  value = {
    url                    = "https://${var.ui_hostname}"
    load_balancer_dns_name = aws_lb.this.dns_name
    user_pool_id           = aws_cognito_user_pool.ui.id
  }
}

output "ecr_repository_url" {
  description = "Push the Dagster image here (tag = image_tag)."
  value       = module.cluster.repository_url
}

output "db" {
  description = "The RDS instance (identifier) and the Secrets Manager secret RDS manages with its credentials (username, password)."
  value       = { instance_id = aws_db_instance.this.identifier, secret_arn = local.db_secret_arn }
}

output "kafka_admin_task" {
  description = "How to run the one-off task that creates the Kafka topics (wikistream kafka create-topics --msk-iam): its cluster, task definition, subnets and security group."
  value = {
    cluster_arn         = module.cluster.arn
    task_definition_arn = module.task["kafka_admin"].arn
    subnet_ids          = var.network.subnet_ids
    security_group_id   = module.tasks_security_group.id
  }
}
