data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  cluster_name    = "${var.name}-dagster"
  log_group_name  = "/${var.name}/dagster"
  db_identifier   = "${var.name}-dagster"
  db_name         = "dagster"
  db_username     = "dagster"
  run_task_family = "${var.name}-dagster-run"
  dagster_home    = "/opt/dagster/dagster_home"
  artifacts       = var.wikistream_env["WIKISTREAM_ARTIFACTS_BUCKET"]
  # Dagster's S3ComputeLogManager prefix (templates/dagster.yaml.tftpl): the only place it writes.
  compute_logs_prefix = "logs/dagster/compute"

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
    image                  = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
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

  tags = merge(var.tags, { "wikistream:module" = "orchestration" })
}

################################################################################
# Encryption key: logs, database, secret, images
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${local.cluster_name}: logs, run storage, secrets, images"
  alias       = local.cluster_name
  log_groups = {
    sid   = "DagsterAndDatabaseLogs"
    names = [local.log_group_name, "/aws/rds/instance/${local.db_identifier}/*"]
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "dagster" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = module.kms.arn

  tags = local.tags
}

################################################################################
# Image repository
################################################################################

resource "aws_ecr_repository" "this" {
  name                 = local.cluster_name
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
# Security groups: users -> internal ALB (443) -> webserver (3000); tasks -> RDS (5432)
################################################################################

resource "aws_security_group" "alb" {
  name        = "${local.cluster_name}-alb"
  description = "Internal load balancer of the Dagster UI: HTTPS from allowed networks"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from an allowed network"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_idp" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS to the Cognito token and user-info endpoints (sign-in), through the NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_webserver" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the Dagster webserver"
  ip_protocol                  = "tcp"
  from_port                    = 3000
  to_port                      = 3000
  referenced_security_group_id = aws_security_group.tasks.id
}

resource "aws_security_group" "tasks" {
  name        = "${local.cluster_name}-tasks"
  description = "Dagster webserver, daemon and run tasks"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-tasks" })
}

resource "aws_vpc_security_group_ingress_rule" "webserver_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Dagster webserver from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = 3000
  to_port                      = 3000
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS to AWS APIs (ECS, EMR Serverless, S3, S3 Tables, SNS, logs) via endpoints or NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "tasks_postgres" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "PostgreSQL run storage"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_kafka" {
  security_group_id = aws_security_group.tasks.id
  description       = "Kafka SASL/IAM over TLS to MSK (offsets for lag, topic admin)"
  ip_protocol       = "tcp"
  from_port         = 9098
  to_port           = 9098
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_security_group" "db" {
  name        = "${local.cluster_name}-db"
  description = "Dagster PostgreSQL: from the Dagster tasks only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-db" })
}

resource "aws_vpc_security_group_ingress_rule" "db_from_tasks" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the Dagster tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.tasks.id
}

################################################################################
# Run storage: RDS PostgreSQL (dagster-postgres), password managed by RDS in Secrets Manager
################################################################################

resource "aws_db_subnet_group" "this" {
  name       = local.db_identifier
  subnet_ids = var.subnet_ids

  tags = local.tags
}

resource "aws_db_parameter_group" "this" {
  name   = "${local.db_identifier}-pg${var.db_engine_version}"
  family = "postgres${var.db_engine_version}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "db" {
  for_each = toset(["postgresql", "upgrade"])

  name              = "/aws/rds/instance/${local.db_identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.kms.arn

  tags = local.tags
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "rds_monitoring" {
  name               = "${local.db_identifier}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = local.db_identifier
  engine         = "postgres"
  engine_version = var.db_engine_version
  instance_class = var.db_instance_class
  db_name        = local.db_name
  username       = local.db_username

  # RDS generates the password and keeps it in Secrets Manager under this module's key.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.kms.arn
  port                          = 5432

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.arn

  db_subnet_group_name                = aws_db_subnet_group.this.name
  vpc_security_group_ids              = [aws_security_group.db.id]
  parameter_group_name                = aws_db_parameter_group.this.name
  publicly_accessible                 = false
  multi_az                            = var.db_multi_az
  iam_database_authentication_enabled = true

  backup_retention_period   = 7
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.db_identifier}-final"

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  performance_insights_enabled    = true
  performance_insights_kms_key_id = module.kms.arn
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.rds_monitoring.arn

  tags = local.tags

  depends_on = [aws_cloudwatch_log_group.db]
}

################################################################################
# Internal load balancer for the webserver (HTTPS only)
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Internal-only UI reachable from allowed_cidrs; ALB access logs need an SSE-S3 bucket outside the KMS-only design. Enable with an access_logs block if an audit requires it.
  name                       = local.cluster_name
  internal                   = true
  load_balancer_type         = "application"
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 120

  tags = local.tags
}

resource "aws_lb_target_group" "webserver" {
  # TLS ends at the internal load balancer; the hop to the webserver stays in the private subnets.
  name                 = "${local.cluster_name}-web"
  port                 = 3000
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/server_info"
    matcher             = "200"
    interval            = 30
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  # Every request signs in first (Cognito hosted UI, MFA); the webserver itself has no login.
  default_action {
    type  = "authenticate-cognito"
    order = 1

    authenticate_cognito {
      user_pool_arn              = aws_cognito_user_pool.ui.arn
      user_pool_client_id        = aws_cognito_user_pool_client.ui.id
      user_pool_domain           = aws_cognito_user_pool_domain.ui.domain
      on_unauthenticated_request = "authenticate"
      session_timeout            = 12 * 3600
    }
  }

  default_action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.webserver.arn
  }

  tags = local.tags
}

################################################################################
# UI sign-in: a Cognito user pool (admin-created users, MFA) checked by the load balancer
################################################################################

resource "aws_cognito_user_pool" "ui" {
  name                     = "${local.cluster_name}-ui"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "ON"
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  tags = local.tags
}

resource "aws_cognito_user_pool_domain" "ui" {
  domain       = "${local.cluster_name}-${local.account_id}"
  user_pool_id = aws_cognito_user_pool.ui.id
}

resource "aws_cognito_user_pool_client" "ui" {
  name                                 = "${local.cluster_name}-alb"
  user_pool_id                         = aws_cognito_user_pool.ui.id
  generate_secret                      = true # the load balancer is a confidential client
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = ["https://${var.ui_hostname}/oauth2/idpresponse"]
  prevent_user_existence_errors        = "ENABLED"
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
}

################################################################################
# IAM
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

# Execution role (ECS agent): pull the image, write logs, read the database secret.
resource "aws_iam_role" "execution" {
  name               = "${local.cluster_name}-execution"
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
    resources = ["${aws_cloudwatch_log_group.dagster.arn}:*"]
  }

  statement {
    sid       = "DatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.db_secret_arn]
  }

  statement {
    sid       = "DecryptSecretAndImage"
    actions   = ["kms:Decrypt"]
    resources = [module.kms.arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-read-secret"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Webserver: shows runs and their compute logs, terminates runs; launching is the daemon's job.
resource "aws_iam_role" "webserver" {
  name               = "${local.cluster_name}-webserver"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "webserver" {
  statement {
    sid       = "RunLauncherInit"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "TerminateRuns"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${local.cluster_name}/*"]
  }

  statement {
    sid       = "ListComputeLogs"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["logs/dagster/*"]
    }
  }

  statement {
    sid       = "ReadComputeLogs"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/logs/dagster/*"]
  }

  statement {
    sid       = "LakehouseKey"
    actions   = ["kms:Decrypt"]
    resources = [var.lakehouse_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "webserver" {
  name   = "dagster-webserver"
  role   = aws_iam_role.webserver.id
  policy = data.aws_iam_policy_document.webserver.json
}

# Worker: the daemon (run queue, sensors, schedules) and the run tasks it launches.
resource "aws_iam_role" "worker" {
  name               = "${local.cluster_name}-worker"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "LaunchRunTasks"
    actions   = ["ecs:RunTask"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition/${local.run_task_family}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "TagRunTasks"
    actions   = ["ecs:TagResource"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${local.cluster_name}/*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }

  statement {
    sid       = "WatchRunTasks"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:task/${local.cluster_name}/*"]
  }

  statement {
    sid       = "RunLauncherInit"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "PassRunTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.worker.arn, aws_iam_role.execution.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "SubmitAndWatchSparkJobs"
    actions = [
      "emr-serverless:StartJobRun",
      "emr-serverless:GetJobRun",
      "emr-serverless:CancelJobRun",
      "emr-serverless:ListJobRuns",
      "emr-serverless:GetDashboardForJobRun",
      "emr-serverless:GetApplication",
      "emr-serverless:TagResource",
    ]
    resources = [var.emr_application_arn, "${var.emr_application_arn}/jobruns/*"]
  }

  statement {
    sid       = "PassJobRole"
    actions   = ["iam:PassRole"]
    resources = [var.emr_execution_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadJobLogsForPipes"
    actions   = ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"]
    resources = [var.emr_log_group_arn, "${var.emr_log_group_arn}:*"]
  }

  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]
  }

  # Reads the bronze checkpoint (stream progress); writes only its own compute logs: never the
  # code/ prefix EMR executes (`wikistream aws upload`, run with deployer credentials, does that).
  statement {
    sid       = "ReadArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteComputeLogs"
    actions   = ["s3:PutObject"]
    resources = ["${var.artifacts_bucket_arn}/${local.compute_logs_prefix}/*"]
  }

  statement {
    sid = "ReadIcebergSnapshots"
    actions = [
      "s3tables:GetTableBucket",
      "s3tables:GetNamespace",
      "s3tables:ListNamespaces",
      "s3tables:ListTables",
      "s3tables:GetTable",
      "s3tables:GetTableMetadataLocation",
      "s3tables:GetTableData",
    ]
    resources = [var.table_bucket_arn, "${var.table_bucket_arn}/table/*"]
  }

  statement {
    sid       = "LakehouseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.lakehouse_kms_key_arn]
  }

  statement {
    sid       = "KafkaOffsets"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid       = "KafkaTopicOffsets"
    actions   = ["kafka-cluster:DescribeTopic"]
    resources = var.topic_arns
  }

  statement {
    sid       = "PublishAlerts"
    actions   = ["sns:Publish"]
    resources = [var.alerts_topic_arn]
  }

  statement {
    sid       = "AlertsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.alerts_kms_key_arn]
  }

  statement {
    sid       = "PublishProjectMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.metrics_namespace]
    }
  }
}

resource "aws_iam_role_policy" "worker" {
  name   = "dagster-worker"
  role   = aws_iam_role.worker.id
  policy = data.aws_iam_policy_document.worker.json
}

# One-off admin task: create the Kafka topics (idempotent).
resource "aws_iam_role" "kafka_admin" {
  name               = "${local.cluster_name}-kafka-admin"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "kafka_admin" {
  statement {
    sid       = "KafkaCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid = "ManageProjectTopics"
    actions = [
      "kafka-cluster:CreateTopic",
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:AlterTopic",
      "kafka-cluster:DescribeTopicDynamicConfiguration",
      "kafka-cluster:AlterTopicDynamicConfiguration",
    ]
    resources = var.topic_arns
  }
}

resource "aws_iam_role_policy" "kafka_admin" {
  name   = "create-project-topics"
  role   = aws_iam_role.kafka_admin.id
  policy = data.aws_iam_policy_document.kafka_admin.json
}

################################################################################
# ECS: cluster, task definitions (webserver, daemon, run, kafka-admin), services
################################################################################

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
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.webserver.arn

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
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker.arn

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
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.worker.arn

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
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.kafka_admin.arn

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
