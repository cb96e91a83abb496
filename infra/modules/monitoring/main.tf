module "aws" {
  source = "../aws_context"
}

locals {
  alarm_prefix = "${var.name}-"

  # CloudWatch Metrics Insights queries, shared by the alarms and the dashboard.
  queries = {
    raw_rate  = "SELECT SUM(MessagesInPerSec) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\", Topic) WHERE \"Cluster Name\" = '${var.msk_cluster_name}' AND Topic = '${var.raw_topic}'"
    dlq_rate  = "SELECT SUM(MessagesInPerSec) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\", Topic) WHERE \"Cluster Name\" = '${var.msk_cluster_name}' AND Topic = '${var.dlq_topic}'"
    disk_used = "SELECT MAX(KafkaDataLogsDiskUsed) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\") WHERE \"Cluster Name\" = '${var.msk_cluster_name}'"
    emr_fail  = "SELECT SUM(FailedJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr.id}'"
    emr_ok    = "SELECT SUM(SuccessJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr.id}'"
    emr_run   = "SELECT MAX(RunningJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr.id}'"
  }
}

################################################################################
# Alerts topic (the Dagster run-failure sensor and the alarms publish here)
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${var.name}: alerts topic"
  alias       = "${var.name}-alerts"
  grants = [{
    sid     = "CloudWatchAlarmsPublishEncrypted"
    service = "cloudwatch.amazonaws.com"
    actions = ["kms:Decrypt", "kms:GenerateDataKey*"]
  }]
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = module.kms.arn
}

module "alerts_policy" {
  source = "../policy_document"

  statements = [
    {
      sid        = "CloudWatchAlarmsOfThisAccount"
      actions    = ["sns:Publish"]
      resources  = [aws_sns_topic.alerts.arn]
      principals = [{ type = "Service", identifiers = ["cloudwatch.amazonaws.com"] }]
      condition = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = [module.aws.account_id] },
        { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${module.aws.partition}:cloudwatch:${module.aws.region}:${module.aws.account_id}:alarm:${local.alarm_prefix}*"] },
      ]
    },
  ]

  deny_insecure_transport = { actions = ["sns:Publish"], resources = [aws_sns_topic.alerts.arn] }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = module.alerts_policy.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alert_emails)

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "service_down" {
  for_each = var.ecs_services

  alarm_name          = "${local.alarm_prefix}${each.key}-not-running"
  alarm_description   = "ECS service ${each.value.service_name} has no running task."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  dimensions = {
    ClusterName = each.value.cluster_name
    ServiceName = each.value.service_name
  }
}

locals {
  # Alarms on a Metrics Insights query (local.queries), by name. `ok` also notifies on recovery.
  query_alarms = {
    producer_rate_low = {
      name        = "producer-rate-low"
      description = "Fewer than ${var.min_events_per_second} events/s reach ${var.raw_topic}: the producer is stalled or Wikimedia is unreachable."
      query       = { id = "rate", expression = local.queries.raw_rate }
      periods     = 3
      comparison  = "LessThanThreshold"
      threshold   = var.min_events_per_second
      missing     = "breaching"
      ok          = true
    }
    dlq_rate_high = {
      name        = "dlq-rate-high"
      description = "More than ${var.max_dlq_events_per_second} events/s are dead-lettered to ${var.dlq_topic}."
      query       = { id = "dlq", expression = local.queries.dlq_rate }
      periods     = 3
      comparison  = "GreaterThanThreshold"
      threshold   = var.max_dlq_events_per_second
      missing     = "notBreaching"
      ok          = false
    }
    kafka_disk = {
      name        = "kafka-disk-used"
      description = "An MSK broker's data volume is more than 80% full."
      query       = { id = "disk", expression = local.queries.disk_used }
      periods     = 2
      comparison  = "GreaterThanThreshold"
      threshold   = 80
      missing     = "missing"
      ok          = false
    }
    job_failures = {
      name        = "spark-job-failures"
      description = "An EMR Serverless job run of ${var.emr.name} failed."
      query       = { id = "failed", expression = local.queries.emr_fail }
      periods     = 1
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      missing     = "notBreaching"
      ok          = false
    }
  }

  # Alarms on one metric (period 300 s), by name. `missing` unset: CloudWatch's default (missing).
  metric_alarms = {
    bronze_lag = {
      name        = "bronze-lag"
      description = "bronze.wiki_events is more than ${var.max_bronze_lag} events behind ${var.raw_topic} (metric published by the Dagster bronze sensor)."
      metric      = { namespace = var.metrics_namespace, name = "BronzeKafkaLag", statistic = "Minimum" }
      dimensions  = null
      periods     = 3
      comparison  = "GreaterThanThreshold"
      threshold   = var.max_bronze_lag
      missing     = "notBreaching"
      ok          = true
    }
    db_cpu = {
      name        = "dagster-db-cpu"
      description = "Dagster's PostgreSQL is CPU-bound."
      metric      = { namespace = "AWS/RDS", name = "CPUUtilization", statistic = "Average" }
      dimensions  = { DBInstanceIdentifier = var.db_instance_id }
      periods     = 3
      comparison  = "GreaterThanThreshold"
      threshold   = 80
      missing     = null
      ok          = false
    }
    db_storage = {
      name        = "dagster-db-storage"
      description = "Dagster's PostgreSQL has less than 2 GiB of free storage."
      metric      = { namespace = "AWS/RDS", name = "FreeStorageSpace", statistic = "Minimum" }
      dimensions  = { DBInstanceIdentifier = var.db_instance_id }
      periods     = 1
      comparison  = "LessThanThreshold"
      threshold   = 2147483648
      missing     = null
      ok          = false
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "query" {
  for_each = local.query_alarms

  alarm_name          = "${local.alarm_prefix}${each.value.name}"
  alarm_description   = each.value.description
  evaluation_periods  = each.value.periods
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = each.value.ok ? [aws_sns_topic.alerts.arn] : null

  metric_query {
    id          = each.value.query.id
    expression  = each.value.query.expression
    period      = 300
    return_data = true
  }
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name          = "${local.alarm_prefix}${each.value.name}"
  alarm_description   = each.value.description
  namespace           = each.value.metric.namespace
  metric_name         = each.value.metric.name
  statistic           = each.value.metric.statistic
  period              = 300
  evaluation_periods  = each.value.periods
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = each.value.ok ? [aws_sns_topic.alerts.arn] : null
  dimensions          = each.value.dimensions
}

################################################################################
# Dashboard: producer rate, Kafka lag, bronze progress, job failures
################################################################################

locals {
  # The dashboard's graphs in reading order, two a row (each 12 columns wide, 6 high), then the
  # alarms across the page. `stat` only where the metric is not a Metrics Insights query.
  graphs = [
    {
      title   = "Producer rate (events/s into Kafka)", period = 60, stat = null
      metrics = [[{ id = "raw", expression = local.queries.raw_rate, label = var.raw_topic }], [{ id = "dlq", expression = local.queries.dlq_rate, label = var.dlq_topic }]]
    },
    {
      title   = "Kafka lag of bronze (events)", period = 60, stat = "Maximum"
      metrics = [[var.metrics_namespace, "BronzeKafkaLag", { label = "raw-events -> bronze" }]]
    },
    {
      title   = "Bronze progress (rows added)", period = 300, stat = "Sum"
      metrics = [[var.metrics_namespace, "BronzeRowsAdded", { label = "bronze.wiki_events" }]]
    },
    {
      title   = "Spark jobs on EMR Serverless", period = 300, stat = null
      metrics = [[{ id = "failed", expression = local.queries.emr_fail, label = "failed", color = "#d62728" }], [{ id = "succeeded", expression = local.queries.emr_ok, label = "succeeded" }], [{ id = "running", expression = local.queries.emr_run, label = "running" }]]
    },
    {
      title   = "Running tasks", period = 60, stat = "Minimum"
      metrics = [for key, svc in var.ecs_services : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", svc.cluster_name, "ServiceName", svc.service_name, { label = key }]]
    },
    {
      title   = "MSK disk used (%)", period = 300, stat = null
      metrics = [[{ id = "disk", expression = local.queries.disk_used, label = "max over brokers" }]]
    },
  ]

  alarms_widget = {
    type = "alarm", x = 0, y = 6 * ceil(length(local.graphs) / 2), width = 24, height = 4
    properties = {
      title  = "Alarms"
      alarms = concat([for alarm in aws_cloudwatch_metric_alarm.service_down : alarm.arn], [for name in ["producer_rate_low", "dlq_rate_high", "kafka_disk", "job_failures"] : aws_cloudwatch_metric_alarm.query[name].arn], [aws_cloudwatch_metric_alarm.metric["bronze_lag"].arn])
    }
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = concat([for i, graph in local.graphs : {
      type = "metric", x = 12 * (i % 2), y = 6 * floor(i / 2), width = 12, height = 6
      properties = merge(
        { title = graph.title, region = module.aws.region, view = "timeSeries", period = graph.period, metrics = graph.metrics },
        { for key, value in { stat = graph.stat } : key => value if value != null },
      )
    }], [local.alarms_widget])
  })
}
