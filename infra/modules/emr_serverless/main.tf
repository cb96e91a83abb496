module "aws" {
  source = "../aws_context"
}

locals {
  log_group_name = var.log_group_name != "" ? var.log_group_name : "/${var.name}/emr-serverless"

  # Capacity from the jobs' own sizes (var.sizing): a job at its ceiling uses one driver and
  # max_executors executors; of each concurrency group one job runs at a time (bronze always,
  # one medallion step, maintenance), so the ceiling is the sum of the groups' largest peaks.
  sizing = var.sizing
  peak = {
    for job, size in local.sizing.jobs : job => {
      cpu       = local.sizing.driver.cpu + size.max_executors * local.sizing.executor.cpu
      memory_gb = local.sizing.driver.memory_gb + size.max_executors * local.sizing.executor.memory_gb
      disk_gb   = local.sizing.driver.disk_gb + size.max_executors * local.sizing.executor.disk_gb
    }
  }
  maximum_capacity = {
    for dim in ["cpu", "memory_gb", "disk_gb"] : dim => sum([
      for group in local.sizing.concurrency : max([for job in group : local.peak[job][dim]]...)
    ])
  }

  # Pre-initialized workers: what the always-on job (bronze) asks for at start, in the sizes
  # every job's request names (so any job can use them).
  prewarmed = local.sizing.jobs[local.sizing.prewarmed]
  initial_capacity = {
    Driver   = merge(local.sizing.driver, { count = var.prewarm ? 1 : 0 })
    Executor = merge(local.sizing.executor, { count = var.prewarm ? local.prewarmed.initial_executors : 0 })
  }
}

################################################################################
# Logs (Dagster Pipes reads the driver's stdout from this log group)
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${var.name}: EMR Serverless job logs"
  alias       = "${var.name}-emr"
  log_groups  = { sid = "JobLogs", create = { jobs = local.log_group_name }, retention_in_days = var.log_retention_days }
}

################################################################################
# Network: no ingress; egress only to the VPC's endpoints, the MSK brokers and S3
################################################################################

module "security_group" {
  source = "../security_group"

  name        = "${var.name}-emr-serverless"
  description = "EMR Serverless workers: egress to VPC endpoints, S3 and MSK only"
  vpc_id      = var.network.vpc_id

  rules = {
    egress = {
      https_vpc = { description = "HTTPS to interface endpoints (S3 Tables, logs, monitoring, STS)", port = 443, cidr = var.network.vpc_cidr }
      https_s3  = { description = "HTTPS to S3 through the gateway endpoint", port = 443, prefix_list = var.network.s3_prefix_list_id }
      kafka     = var.kafka.egress_rule
    }
  }
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
          cpu    = "${initial_capacity.value.cpu} vCPU"
          memory = "${initial_capacity.value.memory_gb} GB"
          disk   = "${initial_capacity.value.disk_gb} GB"
        }
      }
    }
  }

  maximum_capacity {
    cpu    = "${local.maximum_capacity.cpu} vCPU"
    memory = "${local.maximum_capacity.memory_gb} GB"
    disk   = "${local.maximum_capacity.disk_gb} GB"
  }

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.idle_timeout_minutes
  }

  network_configuration {
    subnet_ids         = var.network.subnet_ids
    security_group_ids = [module.security_group.id]
  }

  # Logging and the job-concurrency queue are set per job run instead: the StartJobRun request
  # names the log group (Pipes reads it) and S3 log URI (wikistream_dagster/resources/emr.py),
  # and emr-7 applications queue runs beyond the capacity by default. The application-level
  # blocks (monitoring_configuration, scheduler_configuration) need AWS provider 6.x.
}

################################################################################
# Job execution role: the table bucket, the artifacts bucket, the topics, the logs
################################################################################

module "job_role" {
  source = "../iam_role"

  name        = "${var.name}-emr-job"
  service     = "emr-serverless.amazonaws.com"
  description = "Runtime role of WikiStream's Spark jobs on EMR Serverless"
  source_arns = [aws_emrserverless_application.this.arn]

  policy = {
    name = "wikistream-spark-jobs"
    statements = [
      { sid = "ListArtifacts", actions = ["s3:ListBucket", "s3:GetBucketLocation"], resources = [var.lakehouse.artifacts_bucket_arn] },
      { sid = "ReadArtifacts", actions = ["s3:GetObject"], resources = ["${var.lakehouse.artifacts_bucket_arn}/*"] },
      {
        sid       = "WriteCheckpointsAndLogs"
        actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        resources = ["${var.lakehouse.artifacts_bucket_arn}/checkpoints/*", "${var.lakehouse.artifacts_bucket_arn}/logs/*", "${var.lakehouse.artifacts_bucket_arn}/tmp/*"]
      },
      {
        sid       = "IcebergTables"
        actions   = ["s3tables:GetTableBucket", "s3tables:GetNamespace", "s3tables:ListNamespaces", "s3tables:ListTables", "s3tables:GetTable", "s3tables:CreateTable", "s3tables:GetTableMetadataLocation", "s3tables:UpdateTableMetadataLocation", "s3tables:GetTableData", "s3tables:PutTableData"]
        resources = [var.lakehouse.table_bucket_arn, "${var.lakehouse.table_bucket_arn}/table/*"]
      },
      { sid = "LakehouseKey", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.lakehouse.kms_key_arn] },
      # WriteDataIdempotently: Spark's DLQ writer is a kafka-clients producer, idempotent by default.
      {
        sid       = "KafkaCluster"
        actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
        resources = [var.kafka.cluster_arn]
      },
      { sid = "ReadRawEvents", actions = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], resources = [var.kafka.topic_arns["raw-events"]] },
      { sid = "WriteDeadLetters", actions = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], resources = [var.kafka.topic_arns["dlq-events"]] },
      {
        sid       = "ConsumerGroups"
        actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
        resources = ["${var.kafka.group_arn_prefix}/spark-kafka-*", "${var.kafka.group_arn_prefix}/wikistream-*"]
      },
      # EMR Serverless checks the request's log group with the job role, then writes its streams.
      { sid = "FindLogGroup", actions = ["logs:DescribeLogGroups"], resources = ["arn:${module.aws.partition}:logs:${module.aws.region}:${module.aws.account_id}:log-group:*"] },
      {
        sid       = "JobLogs"
        actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        resources = [module.kms.log_groups.jobs.arn, "${module.kms.log_groups.jobs.arn}:*"]
      },
      { sid = "JobLogsKey", actions = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], resources = [module.kms.arn] },
    ]
  }
}

