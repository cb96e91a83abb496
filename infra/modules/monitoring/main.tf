data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  alarm_prefix = "${var.name}-"

  # CloudWatch Metrics Insights queries, shared by the alarms and the dashboard.
  queries = {
    raw_rate  = "SELECT SUM(MessagesInPerSec) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\", Topic) WHERE \"Cluster Name\" = '${var.msk_cluster_name}' AND Topic = '${var.raw_topic}'"
    dlq_rate  = "SELECT SUM(MessagesInPerSec) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\", Topic) WHERE \"Cluster Name\" = '${var.msk_cluster_name}' AND Topic = '${var.dlq_topic}'"
    disk_used = "SELECT MAX(KafkaDataLogsDiskUsed) FROM SCHEMA(\"AWS/Kafka\", \"Broker ID\", \"Cluster Name\") WHERE \"Cluster Name\" = '${var.msk_cluster_name}'"
    emr_fail  = "SELECT SUM(FailedJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr_application_id}'"
    emr_ok    = "SELECT SUM(SuccessJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr_application_id}'"
    emr_run   = "SELECT MAX(RunningJobs) FROM SCHEMA(\"AWS/EMRServerless\", ApplicationId, ApplicationName) WHERE ApplicationId = '${var.emr_application_id}'"
  }

  tags = merge(var.tags, { "wikistream:module" = "monitoring" })
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

  tags = local.tags
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = module.kms.arn

  tags = local.tags
}

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.alarm_prefix}*"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]

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

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts.json
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

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "producer_rate_low" {
  alarm_name          = "${local.alarm_prefix}producer-rate-low"
  alarm_description   = "Fewer than ${var.min_events_per_second} events/s reach ${var.raw_topic}: the producer is stalled or Wikimedia is unreachable."
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = var.min_events_per_second
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "rate"
    expression  = local.queries.raw_rate
    period      = 300
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_rate_high" {
  alarm_name          = "${local.alarm_prefix}dlq-rate-high"
  alarm_description   = "More than ${var.max_dlq_events_per_second} events/s are dead-lettered to ${var.dlq_topic}."
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.max_dlq_events_per_second
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "dlq"
    expression  = local.queries.dlq_rate
    period      = 300
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "kafka_disk" {
  alarm_name          = "${local.alarm_prefix}kafka-disk-used"
  alarm_description   = "An MSK broker's data volume is more than 80% full."
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "missing"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "disk"
    expression  = local.queries.disk_used
    period      = 300
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "job_failures" {
  alarm_name          = "${local.alarm_prefix}spark-job-failures"
  alarm_description   = "An EMR Serverless job run of ${var.emr_application_name} failed."
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "failed"
    expression  = local.queries.emr_fail
    period      = 300
    return_data = true
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "bronze_lag" {
  alarm_name          = "${local.alarm_prefix}bronze-lag"
  alarm_description   = "bronze.wiki_events is more than ${var.max_bronze_lag} events behind ${var.raw_topic} (metric published by the Dagster bronze sensor)."
  namespace           = var.metrics_namespace
  metric_name         = "BronzeKafkaLag"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.max_bronze_lag
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  alarm_name          = "${local.alarm_prefix}dagster-db-cpu"
  alarm_description   = "Dagster's PostgreSQL is CPU-bound."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    DBInstanceIdentifier = var.db_instance_id
  }

  tags = local.tags
}

resource "aws_cloudwatch_metric_alarm" "db_storage" {
  alarm_name          = "${local.alarm_prefix}dagster-db-storage"
  alarm_description   = "Dagster's PostgreSQL has less than 2 GiB of free storage."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 2147483648
  alarm_actions       = [aws_sns_topic.alerts.arn]

  dimensions = {
    DBInstanceIdentifier = var.db_instance_id
  }

  tags = local.tags
}

################################################################################
# Dashboard: producer rate, Kafka lag, bronze progress, job failures
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "Producer rate (events/s into Kafka)"
          region  = local.region
          view    = "timeSeries"
          period  = 60
          metrics = [[{ id = "raw", expression = local.queries.raw_rate, label = var.raw_topic }], [{ id = "dlq", expression = local.queries.dlq_rate, label = var.dlq_topic }]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "Kafka lag of bronze (events)"
          region  = local.region
          view    = "timeSeries"
          period  = 60
          stat    = "Maximum"
          metrics = [[var.metrics_namespace, "BronzeKafkaLag", { label = "raw-events -> bronze" }]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Bronze progress (rows added)"
          region  = local.region
          view    = "timeSeries"
          period  = 300
          stat    = "Sum"
          metrics = [[var.metrics_namespace, "BronzeRowsAdded", { label = "bronze.wiki_events" }]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Spark jobs on EMR Serverless"
          region  = local.region
          view    = "timeSeries"
          period  = 300
          metrics = [[{ id = "failed", expression = local.queries.emr_fail, label = "failed", color = "#d62728" }], [{ id = "succeeded", expression = local.queries.emr_ok, label = "succeeded" }], [{ id = "running", expression = local.queries.emr_run, label = "running" }]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title   = "Running tasks"
          region  = local.region
          view    = "timeSeries"
          period  = 60
          stat    = "Minimum"
          metrics = [for key, svc in var.ecs_services : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", svc.cluster_name, "ServiceName", svc.service_name, { label = key }]]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title   = "MSK disk used (%)"
          region  = local.region
          view    = "timeSeries"
          period  = 300
          metrics = [[{ id = "disk", expression = local.queries.disk_used, label = "max over brokers" }]]
        }
      },
      {
        type = "alarm", x = 0, y = 18, width = 24, height = 4
        properties = {
          title  = "Alarms"
          alarms = concat([for alarm in aws_cloudwatch_metric_alarm.service_down : alarm.arn], [aws_cloudwatch_metric_alarm.producer_rate_low.arn, aws_cloudwatch_metric_alarm.dlq_rate_high.arn, aws_cloudwatch_metric_alarm.kafka_disk.arn, aws_cloudwatch_metric_alarm.job_failures.arn, aws_cloudwatch_metric_alarm.bronze_lag.arn])
        }
      },
    ]
  })
}
