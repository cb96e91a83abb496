################################################################################
# ECS: cluster, task definitions (webserver, daemon, run, kafka-admin), services
################################################################################

locals {
  instance_yaml = templatefile("${path.module}/templates/dagster.yaml.tftpl", {
    run_task_family     = local.run_task_family
    cluster_arn         = aws_ecs_cluster.this.arn
    subnets             = jsonencode(var.subnet_ids)
    security_groups     = jsonencode([aws_security_group.tasks.id])
    max_concurrent_runs = var.max_concurrent_runs
    artifacts_bucket    = local.artifacts
    compute_logs_prefix = local.compute_logs_prefix
  })

  # Every Dagster container: the `aws` deployment settings plus the instance's own.
  environment = merge(var.wikistream_env, {
    DAGSTER_HOME          = local.dagster_home
    DAGSTER_INSTANCE_YAML = local.instance_yaml
    DAGSTER_PG_HOST       = aws_db_instance.this.address
    DAGSTER_PG_DB         = local.db_name
    DAGSTER_PG_USERNAME   = local.db_username
    HOME                  = "/tmp"
  })

  # RDS keeps the master password in its own Secrets Manager secret (never in Terraform state);
  # ECS injects it at task start.
  db_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
  secrets       = [{ name = "DAGSTER_PG_PASSWORD", valueFrom = "${local.db_secret_arn}:password::" }]

  # Writes the instance config to $DAGSTER_HOME, then execs the given command.
  with_instance = "mkdir -p \"$DAGSTER_HOME\" && printf '%s\\n' \"$DAGSTER_INSTANCE_YAML\" > \"$DAGSTER_HOME/dagster.yaml\" && exec"

  container = {
    image                  = "${module.ecr.repository_url}:${var.image_tag}"
    essential              = true
    readonlyRootFilesystem = true
    environment            = [for key, value in local.environment : { name = key, value = value }]
    secrets                = local.secrets
    linuxParameters        = { initProcessEnabled = true }
    mountPoints = [
      { sourceVolume = "dagster-home", containerPath = local.dagster_home, readOnly = false },
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]
  }

  log_options = {
    awslogs-group   = aws_cloudwatch_log_group.dagster.name
    awslogs-region  = local.region
    mode            = "non-blocking"
    max-buffer-size = "25m"
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.cluster_name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_ecs_task_definition" "webserver" {
  family                   = "${local.cluster_name}-webserver"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.webserver.cpu
  memory                   = var.webserver.memory
  execution_role_arn       = module.execution_role.arn
  task_role_arn            = module.webserver_role.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "dagster-home"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([merge(local.container, {
    name         = "webserver"
    command      = ["/bin/sh", "-c", "${local.with_instance} dagster-webserver --host 0.0.0.0 --port 3000 -w ${var.workspace_file}"]
    portMappings = [{ name = "http", containerPort = 3000, protocol = "tcp" }]

    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/server_info', timeout=5)"]
      interval    = 30
      timeout     = 10
      retries     = 3
      startPeriod = 120
    }

    logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "webserver" }) }
  })])

  tags = local.tags
}

resource "aws_ecs_task_definition" "daemon" {
  family                   = "${local.cluster_name}-daemon"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.daemon.cpu
  memory                   = var.daemon.memory
  execution_role_arn       = module.execution_role.arn
  task_role_arn            = module.worker_role.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "dagster-home"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([merge(local.container, {
    name             = "daemon"
    command          = ["/bin/sh", "-c", "${local.with_instance} dagster-daemon run -w ${var.workspace_file}"]
    logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "daemon" }) }
  })])

  tags = local.tags
}

# EcsRunLauncher starts one task of this definition per run, overriding the command.
resource "aws_ecs_task_definition" "run" {
  family                   = local.run_task_family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.run.cpu
  memory                   = var.run.memory
  execution_role_arn       = module.execution_role.arn
  task_role_arn            = module.worker_role.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "dagster-home"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([merge(local.container, {
    name             = "run"
    logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "run" }) }
  })])

  tags = local.tags
}

resource "aws_ecs_task_definition" "kafka_admin" {
  family                   = "${local.cluster_name}-kafka-admin"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = module.execution_role.arn
  task_role_arn            = module.kafka_admin_role.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "dagster-home"
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([merge(local.container, {
    name             = "kafka-admin"
    command          = ["wikistream", "kafka", "create-topics", "--bootstrap", var.msk_bootstrap_servers, "--msk-iam"]
    secrets          = []
    logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "kafka-admin" }) }
  })])

  tags = local.tags
}

resource "aws_ecs_service" "webserver" {
  name                              = "${local.cluster_name}-webserver"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.webserver.arn
  desired_count                     = 1
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"
  health_check_grace_period_seconds = 180

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.webserver.arn
    container_name   = "webserver"
    container_port   = 3000
  }

  tags = local.tags

  depends_on = [aws_lb_listener.https]
}

resource "aws_ecs_service" "daemon" {
  name                   = "${local.cluster_name}-daemon"
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.daemon.arn
  desired_count          = 1
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  # The daemon must be a singleton: stop the old one before starting the new one.
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  tags = local.tags

  # The run task definition must exist before the daemon's launcher resolves it.
  depends_on = [aws_ecs_task_definition.run]
}
