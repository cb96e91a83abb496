################################################################################
# ECS: task definition and service (exactly one producer at a time)
################################################################################

# No `command`: ECS would append it to the image's ENTRYPOINT (python -m producer_service),
# and settings come from the environment (tests/containers check the argv ECS builds).
module "task" {
  source = "../ecs_task"

  family             = local.service_name
  cpu                = var.cpu
  memory             = var.memory
  cpu_architecture   = var.cpu_architecture
  execution_role_arn = module.cluster.execution_role_arn
  task_role_arn      = module.task_role.arn
  environment        = local.environment
  log_group_name     = module.cluster.log_group_name
  health_check       = { port = var.metrics_port, path = "/health", timeout = 5, start_period = 60 }

  volumes = {
    state = { path = local.state_dir, efs = { file_system_id = aws_efs_file_system.state.id, access_point_id = aws_efs_access_point.state.id } }
    tmp   = { path = "/tmp" }
  }

  container = {
    name         = "producer"
    image        = "${module.cluster.repository_url}:${var.image_tag}"
    stopTimeout  = 60
    portMappings = [{ name = "metrics", containerPort = var.metrics_port, protocol = "tcp" }]

    # Restart the container in place on any exit (network trouble, OOM) before ECS replaces the task.
    restartPolicy = { enabled = true, restartAttemptPeriod = 60 }
  }
}

# One producer at a time: two would resume from the same position and double every event.
# A deployment stops the old task (it flushes and saves its position) before starting the new.
module "service" {
  source = "../ecs_service"

  name                = local.service_name
  cluster_id          = module.cluster.id
  task_definition_arn = module.task.arn
  subnet_ids          = var.network.subnet_ids
  security_group_ids  = [module.task_security_group.id]
  singleton           = true
  start_after         = var.start_after

  depends_on = [aws_efs_mount_target.state, module.task_role]
}
