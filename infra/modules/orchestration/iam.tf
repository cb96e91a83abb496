################################################################################
# IAM: task roles (the execution role is the cluster's, ecs_cluster)
################################################################################

# Webserver: shows runs and their compute logs, terminates runs; launching is the daemon's job.
module "webserver_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-webserver"
  service = "ecs-tasks.amazonaws.com"
  policy  = { name = "dagster-webserver", json = data.aws_iam_policy_document.webserver.json }

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

# Worker: the daemon (run queue, sensors, schedules) and the run tasks it launches.
module "worker_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-worker"
  service = "ecs-tasks.amazonaws.com"
  policy  = { name = "dagster-worker", json = data.aws_iam_policy_document.worker.json }

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
      values   = [module.cluster.arn]
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
    resources = [module.worker_role.arn, module.cluster.execution_role_arn]

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

# One-off admin task: create the Kafka topics (idempotent).
module "kafka_admin_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-kafka-admin"
  service = "ecs-tasks.amazonaws.com"
  policy  = { name = "create-project-topics", json = data.aws_iam_policy_document.kafka_admin.json }

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

