output "dagster_aws_env" {
  description = "Settings of the Dagster `aws` deployment (already set on the ECS tasks; export them to run the CLI elsewhere)."
  value       = local.dagster_aws_env
}

output "dagster_ui" {
  description = "The Dagster UI: `url` (internal load balancer, Cognito sign-in), `load_balancer_dns_name` (point dagster_ui_hostname at it), `user_pool_id` (aws cognito-idp admin-create-user --user-pool-id <this> --username you@example.com)."
  value       = module.orchestration.ui
}

output "producer_ecr_repository_url" {
  description = "Push the producer image here."
  value       = module.producer.ecr_repository_url
}

output "dagster_ecr_repository_url" {
  description = "Push the Dagster image here."
  value       = module.orchestration.ecr_repository_url
}

output "artifacts_bucket" {
  description = "Bucket for jars, job code, checkpoints and logs."
  value       = module.lakehouse.buckets.artifacts_bucket_name
}

output "iceberg_rest_uri" {
  description = "S3 Tables Iceberg REST endpoint for Spark and pyiceberg."
  value       = module.lakehouse.iceberg_rest_uri
}

output "kafka_topics" {
  description = "Kafka topics with partitions and retention."
  value       = module.msk.topics
}

output "dashboard_url" {
  description = "CloudWatch dashboard."
  value       = module.monitoring.dashboard_url
}

output "nat_public_ips" {
  description = "Addresses the producer reaches Wikimedia from."
  value       = module.network.nat_public_ips
}
