# An ECS service that keeps one Fargate task running in private subnets (no public IP, no ECS
# Exec), rolled back when a deployment fails.
resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = var.cluster_id
  task_definition                   = var.task_definition_arn
  desired_count                     = 1
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"
  triggers                          = var.start_after
  health_check_grace_period_seconds = var.load_balancer == null ? null : var.load_balancer.grace_period_seconds

  # A singleton stops the old task before it starts the new one (never two at once).
  deployment_minimum_healthy_percent = var.singleton ? 0 : null
  deployment_maximum_percent         = var.singleton ? 100 : null

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = var.security_group_ids
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]

    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = load_balancer.value.container_name
      container_port   = load_balancer.value.container_port
    }
  }
}
