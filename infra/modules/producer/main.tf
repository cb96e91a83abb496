data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id

  service_name   = "${var.name}-producer"
  log_group_name = "/${var.name}/producer"
  state_dir      = "/var/lib/wikistream/producer"

  # producer_service settings (see `python -m producer_service --help`).
  environment = {
    PRODUCER_SSE_URL           = var.sse_url
    PRODUCER_BOOTSTRAP_SERVERS = var.msk_bootstrap_servers
    PRODUCER_STATE_DIR         = local.state_dir
    PRODUCER_USER_AGENT        = var.user_agent
    PRODUCER_SECURITY_PROTOCOL = "msk-iam"
    PRODUCER_AWS_REGION        = local.region
    PRODUCER_METRICS_HOST      = "0.0.0.0"
    PRODUCER_METRICS_PORT      = tostring(var.metrics_port)
  }

  tags = merge(var.tags, { "wikistream:module" = "producer" })
}

################################################################################
# Encryption key: logs, the EFS state volume, the image repository
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${local.service_name}: logs, resume state, images"
  alias       = local.service_name
  log_groups  = { sid = "ProducerLogs", names = [local.log_group_name] }
  tags        = local.tags
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = module.kms.arn

  tags = local.tags
}

################################################################################
# Image repository
################################################################################

resource "aws_ecr_repository" "this" {
  name                 = local.service_name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = module.kms.arn
  }

  tags = local.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 most recent images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

################################################################################
# Network: no ingress (the health check runs inside the task); egress to
# Wikimedia over NAT (443), MSK (9098) and EFS (2049)
################################################################################

locals {
  # One entry a rule (TCP, one port): the group it belongs to and its source or destination,
  # a CIDR (`cidr`) or another group (`peer`). Prometheus scrapers are `metrics` below.
  ingress_rules = {
    efs_from_task = {
      group       = aws_security_group.efs.id
      description = "NFS from the producer task"
      port        = 2049
      peer        = aws_security_group.task.id
    }
  }

  egress_rules = {
    https = {
      group       = aws_security_group.task.id
      description = "HTTPS to stream.wikimedia.org (through NAT) and AWS APIs (ECR, logs, STS)"
      port        = 443
      cidr        = "0.0.0.0/0"
    }
    kafka = {
      group       = aws_security_group.task.id
      description = "Kafka SASL/IAM over TLS to MSK"
      port        = 9098
      cidr        = var.vpc_cidr
    }
    nfs = {
      group       = aws_security_group.task.id
      description = "NFS to the resume-state file system"
      port        = 2049
      peer        = aws_security_group.efs.id
    }
  }
}

resource "aws_security_group" "task" {
  name        = "${local.service_name}-task"
  description = "Producer task: egress only (Wikimedia via NAT, MSK, EFS)"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.service_name}-task" })
}

resource "aws_security_group" "efs" {
  name        = "${local.service_name}-efs"
  description = "Producer state file system: NFS from the producer task only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.service_name}-efs" })
}

resource "aws_vpc_security_group_ingress_rule" "metrics" {
  for_each = toset(var.metrics_ingress_cidrs)

  security_group_id = aws_security_group.task.id
  description       = "Prometheus scrape of /metrics"
  ip_protocol       = "tcp"
  from_port         = var.metrics_port
  to_port           = var.metrics_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress_rules

  security_group_id            = each.value.group
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = try(each.value.cidr, null)
  referenced_security_group_id = try(each.value.peer, null)
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress_rules

  security_group_id            = each.value.group
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = try(each.value.cidr, null)
  referenced_security_group_id = try(each.value.peer, null)
}

################################################################################
# Resume state: encrypted EFS, so the last acknowledged SSE id survives task replacement
################################################################################

resource "aws_efs_file_system" "state" {
  encrypted        = true
  kms_key_id       = module.kms.arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  tags = merge(local.tags, { Name = "${local.service_name}-state" })
}

resource "aws_efs_backup_policy" "state" {
  file_system_id = aws_efs_file_system.state.id

  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_mount_target" "state" {
  count = length(var.subnet_ids)

  file_system_id  = aws_efs_file_system.state.id
  subnet_id       = var.subnet_ids[count.index]
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "state" {
  file_system_id = aws_efs_file_system.state.id

  posix_user {
    uid = var.state_uid
    gid = var.state_uid
  }

  root_directory {
    path = "/producer"

    creation_info {
      owner_uid   = var.state_uid
      owner_gid   = var.state_uid
      permissions = "0750"
    }
  }

  tags = local.tags
}

data "aws_iam_policy_document" "efs" {
  statement {
    sid       = "ProducerMountsThroughItsAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.state.arn]

    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.state.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.state.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_efs_file_system_policy" "state" {
  file_system_id = aws_efs_file_system.state.id
  policy         = data.aws_iam_policy_document.efs.json
}

################################################################################
# IAM: execution role (pull image, write logs) and task role (MSK write, EFS)
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.service_name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [aws_ecr_repository.this.arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "DecryptImageLayers"
    actions   = ["kms:Decrypt"]
    resources = [module.kms.arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.service_name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "KafkaCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid       = "WriteTopics"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    resources = var.topic_arns
  }

  statement {
    sid       = "MountState"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.state.arn]

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.state.arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "produce-to-msk"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

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
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

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
    image                  = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
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

  depends_on = [aws_efs_mount_target.state, aws_iam_role_policy.task]
}
