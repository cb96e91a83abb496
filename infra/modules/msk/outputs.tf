output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the MSK cluster (the \"Cluster Name\" dimension of its metrics)."
  value       = aws_msk_cluster.this.cluster_name
}

output "bootstrap_brokers_sasl_iam" {
  description = "Bootstrap servers for SASL/IAM over TLS (port 9098): WIKISTREAM_MSK_BOOTSTRAP_SERVERS and PRODUCER_BOOTSTRAP_SERVERS."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "security_group_id" {
  description = "Security group of the brokers."
  value       = module.security_group.id
}

output "topics" {
  description = "Topics the project creates, with partitions and configs (var.topics)."
  value       = var.topics
}

output "replication" {
  description = "Replication factor and min.insync.replicas of the cluster (every topic's)."
  value = {
    replication_factor  = local.replication_factor
    min_insync_replicas = local.replication_factor - 1
  }
}

output "topic_arns" {
  description = "IAM resource ARN of each topic, for kafka-cluster:* permissions."
  value       = { for topic in keys(var.topics) : topic => "${local.topic_arn_prefix}/${topic}" }
}

output "group_arn_prefix" {
  description = "Prefix of consumer group ARNs (append /GROUP or /PREFIX*)."
  value       = local.group_arn_prefix
}

output "kms_key_arn" {
  description = "KMS key encrypting the brokers' data at rest and their logs."
  value       = module.kms.arn
}
