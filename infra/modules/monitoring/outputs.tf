output "alerts" {
  description = "Where alerts go (the `alerts` input of orchestration): the SNS topic (WIKISTREAM_ALERTS_TOPIC_ARN), the KMS key encrypting it (publishers need kms:GenerateDataKey/Decrypt on it), and the namespace of the project's own metrics."
  value = {
    topic_arn         = aws_sns_topic.alerts.arn
    kms_key_arn       = module.kms.arn
    metrics_namespace = var.metrics_namespace
  }
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value       = "https://${module.aws.region}.console.aws.amazon.com/cloudwatch/home?region=${module.aws.region}#dashboards:name=${aws_cloudwatch_dashboard.this.dashboard_name}"
}
