output "connection" {
  description = "How clients reach the cluster and what their IAM policies name: SASL/IAM over TLS bootstrap servers (port 9098; WIKISTREAM_MSK_BOOTSTRAP_SERVERS and PRODUCER_BOOTSTRAP_SERVERS), the cluster ARN, each topic's IAM ARN (for kafka-cluster:* permissions), the consumer group ARN prefix (append /GROUP or /PREFIX*), and the egress rule a client's security group needs (9098 to the brokers' group). The `kafka` input of the producer, EMR Serverless and Dagster."
  value = {
    bootstrap_servers = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
    cluster_arn       = aws_msk_cluster.this.arn
    topic_arns        = { for topic in keys(var.topics) : topic => "${local.topic_arn_prefix}/${topic}" }
    group_arn_prefix  = local.group_arn_prefix
    egress_rule       = { description = "Kafka SASL/IAM over TLS to the MSK brokers", port = 9098, peer = module.security_group.id }
  }
}

output "cluster_name" {
  description = "Name of the MSK cluster (the \"Cluster Name\" dimension of its metrics)."
  value       = aws_msk_cluster.this.cluster_name
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
