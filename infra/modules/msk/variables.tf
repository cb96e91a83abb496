variable "name" {
  description = "Name of the MSK cluster (and prefix of its other resources)."
  type        = string
}

variable "network" {
  description = "The network module's `network`: the brokers run in its private subnets (one per AZ), and only those subnets' CIDRs reach them on 9098 (SASL/IAM over TLS)."
  type        = object({ vpc_id = string, subnet_ids = list(string), subnet_cidrs = list(string) })

  validation {
    condition     = length(var.network.subnet_ids) >= 2
    error_message = "MSK needs subnets in at least 2 availability zones."
  }

  validation {
    condition     = !contains(var.network.subnet_cidrs, "0.0.0.0/0")
    error_message = "The brokers must not be reachable from 0.0.0.0/0."
  }
}

variable "broker_count" {
  description = "Number of brokers: a multiple of the number of subnets, at least 3 (replication 3, 2 in sync)."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= 3
    error_message = "broker_count must be at least 3: with 2, min.insync.replicas=1 turns acks=all into acks=1 while a broker is down."
  }
}

variable "broker_instance_type" {
  description = "Broker instance type (kafka.t3.small is not offered for 3.9.x)."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_volume_size" {
  description = "EBS storage per broker in GiB (a week of the live stream is a few GiB)."
  type        = number
  default     = 100
}

variable "topics" {
  description = "The project's topics: name -> partitions and topic configs (wikistream_dagster/deployment/kafka_topics.json)."
  type = map(object({
    partitions = number
    config     = map(string)
  }))

  validation {
    condition     = contains(keys(var.topics), "raw-events") && contains(keys(var.topics), "dlq-events")
    error_message = "topics must define raw-events and dlq-events."
  }

  validation {
    condition     = alltrue([for t in values(var.topics) : tonumber(lookup(t.config, "retention.ms", "0")) >= 7 * 24 * 3600 * 1000])
    error_message = "Every topic must keep at least a week (retention.ms >= 604800000) for replay."
  }

  validation {
    condition     = try(var.topics["raw-events"].partitions >= 3, false)
    error_message = "raw-events needs at least 3 partitions."
  }
}

variable "retention_hours" {
  description = "Cluster default retention in hours (log.retention.hours); the topics set their own retention.ms."
  type        = number
  default     = 168

  validation {
    condition     = var.retention_hours >= 168
    error_message = "Retention must cover a week of replay (>= 168 hours)."
  }
}

variable "log_retention_days" {
  description = "Retention of the log groups made here (the root's log_retention_days)."
  type        = number
}

