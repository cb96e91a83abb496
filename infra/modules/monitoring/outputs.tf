output "alerts_topic_arn" {
  description = "SNS topic for alerts (WIKISTREAM_ALERTS_TOPIC_ARN); publishers need kms:GenerateDataKey/Decrypt on kms_key_arn."
  value       = aws_sns_topic.alerts.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the alerts topic."
  value       = module.kms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value       = "https://${module.aws.region}.console.aws.amazon.com/cloudwatch/home?region=${module.aws.region}#dashboards:name=${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "metrics_namespace" {
  description = "Namespace of the project's own metrics."
  value       = var.metrics_namespace
}
