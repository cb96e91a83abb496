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

locals {
  # Every alarm, by name (after "<name>-"): what it watches, a Metrics Insights `query`
  # (local.queries) or one `metric` with its `dimensions`, and when it fires. What an alarm does
  # not say is `alarm_defaults`: 5-minute periods, above the threshold for 3 of them, missing data
  # not breaching, a notification when it fires (`ok`: also on recovery), shown on the dashboard.
  alarm_defaults = {
    period = 300, periods = 3, comparison = "GreaterThanThreshold", missing = "notBreaching", ok = false, dashboard = true
    query  = null, metric = null, dimensions = null
  }

  services_down = {
    for key, service in var.ecs_services : "${key}-not-running" => {
      description = "ECS service ${service.service_name} has no running task."
      metric      = { namespace = "ECS/ContainerInsights", name = "RunningTaskCount", statistic = "Minimum" }
      dimensions  = { ClusterName = service.cluster_name, ServiceName = service.service_name }
      period      = 60, periods = 5, comparison = "LessThanThreshold", threshold = 1, missing = "breaching", ok = true
    }
  }

  alarms = { for name, alarm in merge(local.services_down, {
    producer-rate-low = {
      description = "Fewer than ${var.min_events_per_second} events/s reach ${var.raw_topic}: the producer is stalled or Wikimedia is unreachable."
      query       = { id = "rate", expression = local.queries.raw_rate }
      comparison  = "LessThanThreshold", threshold = var.min_events_per_second, missing = "breaching", ok = true
    }
    dlq-rate-high = {
      description = "More than ${var.max_dlq_events_per_second} events/s are dead-lettered to ${var.dlq_topic}."
      query       = { id = "dlq", expression = local.queries.dlq_rate }
      threshold   = var.max_dlq_events_per_second
    }
    kafka-disk-used = {
      description = "An MSK broker's data volume is more than 80% full."
      query       = { id = "disk", expression = local.queries.disk_used }
      periods     = 2, threshold = 80, missing = "missing"
    }
    spark-job-failures = {
      description = "An EMR Serverless job run of ${var.emr.name} failed."
      query       = { id = "failed", expression = local.queries.emr_fail }
      periods     = 1, threshold = 0
    }
    bronze-lag = {
      description = "bronze.wiki_events is more than ${var.max_bronze_lag} events behind ${var.raw_topic} (metric published by the Dagster bronze sensor)."
      metric      = { namespace = var.metrics_namespace, name = "BronzeKafkaLag", statistic = "Minimum" }
      threshold   = var.max_bronze_lag, ok = true
    }
    dagster-db-cpu = {
      description = "Dagster's PostgreSQL is CPU-bound."
      metric      = { namespace = "AWS/RDS", name = "CPUUtilization", statistic = "Average" }
      dimensions  = { DBInstanceIdentifier = var.db_instance_id }
      threshold   = 80, missing = "missing", dashboard = false
    }
    dagster-db-storage = {
      description = "Dagster's PostgreSQL has less than 2 GiB of free storage."
      metric      = { namespace = "AWS/RDS", name = "FreeStorageSpace", statistic = "Minimum" }
      dimensions  = { DBInstanceIdentifier = var.db_instance_id }
      periods     = 1, comparison = "LessThanThreshold", threshold = 2147483648, missing = "missing", dashboard = false
    }
  }) : name => merge(local.alarm_defaults, alarm) }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.alarm_prefix}${each.key}"
  alarm_description   = each.value.description
  namespace           = try(each.value.metric.namespace, null)
  metric_name         = try(each.value.metric.name, null)
  statistic           = try(each.value.metric.statistic, null)
  dimensions          = each.value.dimensions
  period              = each.value.query == null ? each.value.period : null
  evaluation_periods  = each.value.periods
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = each.value.ok ? [aws_sns_topic.alerts.arn] : null

  dynamic "metric_query" {
    for_each = each.value.query == null ? [] : [each.value.query]

    content {
      id          = metric_query.value.id
      expression  = metric_query.value.expression
      period      = each.value.period
      return_data = true
    }
  }
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
      alarms = [for name, alarm in aws_cloudwatch_metric_alarm.this : alarm.arn if local.alarms[name].dashboard]
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
