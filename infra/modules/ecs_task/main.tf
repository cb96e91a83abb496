data "aws_region" "current" {}

locals {
  # Every container of the project: essential, read-only root file system (writable volumes
  # only), an init process that reaps children, its environment from a map, its volumes mounted
  # read-write, non-blocking awslogs (a slow CloudWatch never stalls the application), and the
  # health check when the caller names an endpoint.
  container = merge(var.container, {
    essential              = true
    readonlyRootFilesystem = true
    linuxParameters        = { initProcessEnabled = true }
    environment            = [for key, value in var.environment : { name = key, value = value }]
    mountPoints            = [for name, volume in var.volumes : { sourceVolume = name, containerPath = volume.path, readOnly = false }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_name
        awslogs-region        = data.aws_region.current.id
        awslogs-stream-prefix = var.container.name
        mode                  = "non-blocking"
        max-buffer-size       = "25m"
      }
    }
  }, local.health_check)

  # python's urllib, as the images have no curl; ECS stops the command after `timeout`.
  health_check = { for check in var.health_check[*] : "healthCheck" => {
    command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${check.port}${check.path}')"]
    interval    = 30
    timeout     = check.timeout
    retries     = 3
    startPeriod = check.start_period
  } }
}

# One Fargate task definition (Linux, awsvpc) with one container.
resource "aws_ecs_task_definition" "this" {
  family                   = var.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  dynamic "volume" {
    for_each = var.volumes

    content {
      name = volume.key

      # An EFS volume: encrypted in transit, mounted through its access point with the task role.
      dynamic "efs_volume_configuration" {
        for_each = volume.value.efs == null ? [] : [volume.value.efs]

        content {
          file_system_id     = efs_volume_configuration.value.file_system_id
          transit_encryption = "ENABLED"

          authorization_config {
            access_point_id = efs_volume_configuration.value.access_point_id
            iam             = "ENABLED"
          }
        }
      }
    }
  }

  container_definitions = jsonencode([local.container])
}
