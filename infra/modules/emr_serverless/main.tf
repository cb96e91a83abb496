data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.region
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  log_group_name = var.log_group_name != "" ? var.log_group_name : "/${var.name}/emr-serverless"
  bucket_name    = element(split(":::", var.artifacts_bucket_arn), 1)

  initial_capacity = {
    Driver   = var.driver
    Executor = var.executor
  }

  tags = merge(var.tags, { "wikistream:module" = "emr_serverless" })
}

################################################################################
# Logs (Dagster Pipes reads the driver's stdout from this log group)
################################################################################

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key itself, and kms:* for the account root is the AWS default that delegates access to IAM policies.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key itself; writes are limited to the account root and the one service principal named, under an encryption-context condition where the service supports it.
  #checkov:skip=CKV_AWS_356:Key policy: a key policy can only name its own key as "*".
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "JobLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: EMR Serverless job logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json

  tags = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-emr"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn

  tags = local.tags
}

################################################################################
# Network: no ingress; egress only to the VPC (endpoints, MSK) and S3
################################################################################

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached by aws_emrserverless_application.network_configuration, which this graph check does not know.
  name        = "${var.name}-emr-serverless"
  description = "EMR Serverless workers: egress to VPC endpoints, S3 and MSK only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${var.name}-emr-serverless" })
}

resource "aws_vpc_security_group_egress_rule" "https_vpc" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to interface endpoints (S3 Tables, logs, monitoring, STS)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr
}

resource "aws_vpc_security_group_egress_rule" "https_s3" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "kafka" {
  security_group_id = aws_security_group.this.id
  description       = "Kafka SASL/IAM over TLS to MSK"
  ip_protocol       = "tcp"
  from_port         = 9098
  to_port           = 9098
  cidr_ipv4         = var.vpc_cidr
}

################################################################################
# Application
################################################################################

resource "aws_emrserverless_application" "this" {
  name          = var.name
  type          = "spark"
  release_label = var.release_label
  architecture  = var.architecture

  dynamic "initial_capacity" {
    for_each = { for type, worker in local.initial_capacity : type => worker if worker.count > 0 }

    content {
      initial_capacity_type = initial_capacity.key

      initial_capacity_config {
        worker_count = initial_capacity.value.count

        worker_configuration {
          cpu    = initial_capacity.value.cpu
          memory = initial_capacity.value.memory
          disk   = initial_capacity.value.disk
        }
      }
    }
  }

  maximum_capacity {
    cpu    = var.maximum_capacity.cpu
    memory = var.maximum_capacity.memory
    disk   = var.maximum_capacity.disk
  }

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.idle_timeout_minutes
  }

  network_configuration {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  scheduler_configuration {
    max_concurrent_runs   = var.max_concurrent_runs
    queue_timeout_minutes = 60
  }

  # Log types are left at their default (driver and executor stdout/stderr): Dagster Pipes reads
  # the driver's stdout stream and ignores an explicit log type list.
  monitoring_configuration {
    cloudwatch_logging_configuration {
      enabled            = true
      log_group_name     = aws_cloudwatch_log_group.this.name
      encryption_key_arn = aws_kms_key.this.arn
    }

    s3_monitoring_configuration {
      log_uri            = "s3://${local.bucket_name}/logs/emr/"
      encryption_key_arn = var.lakehouse_kms_key_arn
    }
  }

  tags = local.tags
}

################################################################################
# Job execution role: the table bucket, the artifacts bucket, the topics, the logs
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_emrserverless_application.this.arn]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = "${var.name}-emr-job"
  description        = "Runtime role of WikiStream's Spark jobs on EMR Serverless"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = local.tags
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.artifacts_bucket_arn]
  }

  statement {
    sid       = "ReadArtifacts"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/*"]
  }

  statement {
    sid     = "WriteCheckpointsAndLogs"
    actions = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = [
      "${var.artifacts_bucket_arn}/checkpoints/*",
      "${var.artifacts_bucket_arn}/logs/*",
      "${var.artifacts_bucket_arn}/tmp/*",
    ]
  }

  statement {
    sid = "IcebergTables"
    actions = [
      "s3tables:GetTableBucket",
      "s3tables:GetNamespace",
      "s3tables:ListNamespaces",
      "s3tables:ListTables",
      "s3tables:GetTable",
      "s3tables:CreateTable",
      "s3tables:GetTableMetadataLocation",
      "s3tables:UpdateTableMetadataLocation",
      "s3tables:GetTableData",
      "s3tables:PutTableData",
    ]
    resources = [var.table_bucket_arn, "${var.table_bucket_arn}/table/*"]
  }

  statement {
    sid       = "LakehouseKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.lakehouse_kms_key_arn]
  }

  statement {
    sid       = "KafkaCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid       = "ReadRawEvents"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    resources = [var.raw_topic_arn]
  }

  statement {
    sid       = "WriteDeadLetters"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    resources = [var.dlq_topic_arn]
  }

  statement {
    sid       = "ConsumerGroups"
    actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    resources = ["${var.msk_group_arn_prefix}/spark-kafka-*", "${var.msk_group_arn_prefix}/wikistream-*"]
  }

  statement {
    sid       = "JobLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [aws_cloudwatch_log_group.this.arn, "${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "JobLogsKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "wikistream-spark-jobs"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}
