################################################################################
# ECS: cluster, task definition, service (exactly one producer at a time)
################################################################################

resource "aws_ecs_cluster" "this" {
  name = local.service_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.service_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = module.execution_role.arn
  task_role_arn            = module.task_role.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "state"

    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.state.id
      transit_encryption = "ENABLED"

      authorization_config {
        access_point_id = aws_efs_access_point.state.id
        iam             = "ENABLED"
      }
    }
  }

  volume {
    name = "tmp"
  }

  # No `command`: ECS would append it to the image's ENTRYPOINT (python -m producer_service),
  # and settings come from the environment (tests/containers check the argv ECS builds).
  container_definitions = jsonencode([{
    name                   = "producer"
    image                  = "${module.ecr.repository_url}:${var.image_tag}"
    essential              = true
    readonlyRootFilesystem = true
    stopTimeout            = 60
    environment            = [for key, value in local.environment : { name = key, value = value }]
    portMappings           = [{ name = "metrics", containerPort = var.metrics_port, protocol = "tcp" }]
    linuxParameters        = { initProcessEnabled = true }

    mountPoints = [
      { sourceVolume = "state", containerPath = local.state_dir, readOnly = false },
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]

    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.metrics_port}/health', timeout=3)"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 60
    }

    # Restart the container in place on any exit (network trouble, OOM) before ECS replaces the task.
    restartPolicy = { enabled = true, restartAttemptPeriod = 60 }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "producer"
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }])

  tags = local.tags
}

resource "aws_ecs_service" "this" {
  name                   = local.service_name
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.this.arn
  desired_count          = 1
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  # One producer at a time: two would resume from the same position and double every event.
  # A deployment stops the old task (it flushes and saves its position) before starting the new.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  tags = local.tags

  depends_on = [aws_efs_mount_target.state, module.task_role]
}
