locals {
  # 3 replicas, 2 in sync: acks=all still means two copies while one broker is down (with 2
  # brokers and min.insync.replicas=1 it silently meant one).
  replication_factor = min(3, var.broker_count)
  broker_log_group   = "/${var.name}/msk/broker"
  # The project runs Kafka 3.9 in KRaft mode (no ZooKeeper): a fixed choice, not an input.
  kafka_version = "3.9.x.kraft"

  # Cluster defaults. `wikistream kafka create-topics` leaves replication and min.insync.replicas
  # to these and sets partitions and retention from var.topics (kafka_topics.json).
  server_properties = {
    "auto.create.topics.enable"      = "false"
    "default.replication.factor"     = tostring(local.replication_factor)
    "min.insync.replicas"            = tostring(local.replication_factor - 1)
    "num.partitions"                 = "3"
    "log.retention.hours"            = tostring(var.retention_hours)
    "unclean.leader.election.enable" = "false"
    "delete.topic.enable"            = "true"
  }

  # IAM resources of the data plane: arn:...:cluster/NAME/UUID -> arn:...:topic/NAME/UUID/TOPIC
  topic_arn_prefix = replace(aws_msk_cluster.this.arn, ":cluster/", ":topic/")
  group_arn_prefix = replace(aws_msk_cluster.this.arn, ":cluster/", ":group/")
}

################################################################################
# Encryption key (data at rest and broker logs)
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${var.name}: MSK data at rest and broker logs"
  alias       = var.name
  log_groups  = { sid = "BrokerLogs", create = { broker = local.broker_log_group }, retention_in_days = var.log_retention_days }
}

################################################################################
# Network: clients reach the brokers only on the SASL/IAM TLS port
################################################################################

module "security_group" {
  source = "../security_group"

  name        = "${var.name}-brokers"
  description = "MSK brokers: Kafka over TLS with IAM authentication from the private subnets"
  vpc_id      = var.network.vpc_id
  rules       = { ingress = { for cidr in var.network.subnet_cidrs : cidr => { description = "Kafka SASL/IAM over TLS from a private subnet", port = 9098, cidr = cidr } } }
}

################################################################################
# Cluster
################################################################################

resource "aws_msk_configuration" "this" {
  name              = "${var.name}-config"
  kafka_versions    = [local.kafka_version]
  description       = "WikiStream defaults: no auto-created topics, a week of retention"
  server_properties = join("\n", [for key, value in local.server_properties : "${key}=${value}"])
}

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = local.kafka_version
  number_of_broker_nodes = var.broker_count
  enhanced_monitoring    = "PER_TOPIC_PER_BROKER"

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.network.subnet_ids
    security_groups = [module.security_group.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.broker_volume_size
      }
    }

    connectivity_info {
      public_access {
        type = "DISABLED"
      }
    }
  }

  client_authentication {
    unauthenticated = false

    sasl {
      iam   = true
      scram = false
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = module.kms.arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = module.kms.log_groups.broker.name
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.broker_count % length(var.network.subnet_ids) == 0
      error_message = "broker_count must be a multiple of the number of subnets."
    }
  }
}
