################################################################################
# IAM: task roles (the execution role is the cluster's, ecs_cluster)
################################################################################

# Webserver: shows runs and their compute logs, terminates runs; launching is the daemon's job.
module "webserver_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-webserver"
  service = "ecs-tasks.amazonaws.com"

  policy = {
    name = "dagster-webserver"
    statements = [
      { sid = "RunLauncherInit", actions = ["ecs:DescribeTaskDefinition"], resources = ["*"] },
      {
        sid       = "TerminateRuns"
        actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
        resources = ["arn:${module.aws.partition}:ecs:${module.aws.region}:${module.aws.account_id}:task/${local.cluster_name}/*"]
      },
      {
        sid       = "ListComputeLogs"
        actions   = ["s3:ListBucket"]
        resources = [var.lakehouse.artifacts_bucket_arn]
        condition = [{ test = "StringLike", variable = "s3:prefix", values = ["logs/dagster/*"] }]
      },
      { sid = "ReadComputeLogs", actions = ["s3:GetObject"], resources = ["${var.lakehouse.artifacts_bucket_arn}/logs/dagster/*"] },
      { sid = "LakehouseKey", actions = ["kms:Decrypt"], resources = [var.lakehouse.kms_key_arn] },
    ]
  }
}

# Worker: the daemon (run queue, sensors, schedules) and the run tasks it launches.
module "worker_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-worker"
  service = "ecs-tasks.amazonaws.com"

  policy = {
    name = "dagster-worker"
    statements = [
      {
        sid       = "LaunchRunTasks"
        actions   = ["ecs:RunTask"]
        resources = ["arn:${module.aws.partition}:ecs:${module.aws.region}:${module.aws.account_id}:task-definition/${local.run_task_family}:*"]
        condition = [{ test = "ArnEquals", variable = "ecs:cluster", values = [module.cluster.arn] }]
      },
      {
        sid       = "TagRunTasks"
        actions   = ["ecs:TagResource"]
        resources = ["arn:${module.aws.partition}:ecs:${module.aws.region}:${module.aws.account_id}:task/${local.cluster_name}/*"]
        condition = [{ test = "StringEquals", variable = "ecs:CreateAction", values = ["RunTask"] }]
      },
      {
        sid       = "WatchRunTasks"
        actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
        resources = ["arn:${module.aws.partition}:ecs:${module.aws.region}:${module.aws.account_id}:task/${local.cluster_name}/*"]
      },
      { sid = "RunLauncherInit", actions = ["ecs:DescribeTaskDefinition"], resources = ["*"] },
      {
        sid       = "PassRunTaskRoles"
        actions   = ["iam:PassRole"]
        resources = [module.worker_role.arn, module.cluster.execution_role_arn]
        condition = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["ecs-tasks.amazonaws.com"] }]
      },
      {
        sid       = "SubmitAndWatchSparkJobs"
        actions   = ["emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:CancelJobRun", "emr-serverless:ListJobRuns", "emr-serverless:GetDashboardForJobRun", "emr-serverless:GetApplication", "emr-serverless:TagResource"]
        resources = [var.emr.arn, "${var.emr.arn}/jobruns/*"]
      },
      {
        sid       = "PassJobRole"
        actions   = ["iam:PassRole"]
        resources = [var.emr.execution_role_arn]
        condition = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["emr-serverless.amazonaws.com"] }]
      },
      {
        sid       = "ReadJobLogsForPipes"
        actions   = ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"]
        resources = [var.emr.log_group_arn, "${var.emr.log_group_arn}:*"]
      },
      { sid = "ListArtifacts", actions = ["s3:ListBucket"], resources = [var.lakehouse.artifacts_bucket_arn] },
      # Reads the bronze checkpoint (stream progress); writes only its own compute logs: never the
      # code/ prefix EMR executes (`wikistream aws upload`, run with deployer credentials, does that).
      { sid = "ReadArtifacts", actions = ["s3:GetObject"], resources = ["${var.lakehouse.artifacts_bucket_arn}/*"] },
      { sid = "WriteComputeLogs", actions = ["s3:PutObject"], resources = ["${var.lakehouse.artifacts_bucket_arn}/${local.compute_logs_prefix}/*"] },
      {
        sid       = "ReadIcebergSnapshots"
        actions   = ["s3tables:GetTableBucket", "s3tables:GetNamespace", "s3tables:ListNamespaces", "s3tables:ListTables", "s3tables:GetTable", "s3tables:GetTableMetadataLocation", "s3tables:GetTableData"]
        resources = [var.lakehouse.table_bucket_arn, "${var.lakehouse.table_bucket_arn}/table/*"]
      },
      { sid = "LakehouseKey", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.lakehouse.kms_key_arn] },
      { sid = "KafkaOffsets", actions = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], resources = [var.kafka.cluster_arn] },
      { sid = "KafkaTopicOffsets", actions = ["kafka-cluster:DescribeTopic"], resources = values(var.kafka.topic_arns) },
      { sid = "PublishAlerts", actions = ["sns:Publish"], resources = [var.alerts.topic_arn] },
      { sid = "AlertsKey", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.alerts.kms_key_arn] },
      {
        sid       = "PublishProjectMetrics"
        actions   = ["cloudwatch:PutMetricData"]
        resources = ["*"]
        condition = [{ test = "StringEquals", variable = "cloudwatch:namespace", values = [var.alerts.metrics_namespace] }]
      },
    ]
  }
}

# One-off admin task: create the Kafka topics (idempotent).
module "kafka_admin_role" {
  source = "../iam_role"

  name    = "${local.cluster_name}-kafka-admin"
  service = "ecs-tasks.amazonaws.com"

  policy = {
    name = "create-project-topics"
    statements = [
      { sid = "KafkaCluster", actions = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], resources = [var.kafka.cluster_arn] },
      {
        sid       = "ManageProjectTopics"
        actions   = ["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:AlterTopic", "kafka-cluster:DescribeTopicDynamicConfiguration", "kafka-cluster:AlterTopicDynamicConfiguration"]
        resources = values(var.kafka.topic_arns)
      },
    ]
  }
}

