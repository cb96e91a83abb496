variable "name" {
  description = "Name of the MSK cluster (and prefix of its other resources)."
  type        = string
}

variable "vpc_id" {
  description = "VPC the brokers run in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the brokers, one per AZ."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "MSK needs subnets in at least 2 availability zones."
  }
}

variable "client_cidr_blocks" {
  description = "CIDR blocks allowed to reach the brokers on 9098 (SASL/IAM over TLS): the private subnets."
  type        = list(string)

  validation {
    condition     = !contains(var.client_cidr_blocks, "0.0.0.0/0")
    error_message = "The brokers must not be reachable from 0.0.0.0/0."
  }
}

variable "kafka_version" {
  description = "Kafka version; the .kraft suffix selects KRaft metadata mode (no ZooKeeper)."
  type        = string
  default     = "3.9.x.kraft"

  validation {
    condition     = can(regex("^3\\.9\\.x\\.kraft$", var.kafka_version))
    error_message = "WikiStream runs Kafka 3.9.x in KRaft mode: use \"3.9.x.kraft\"."
  }
}

variable "broker_count" {
  description = "Number of brokers: a multiple of the number of subnets, at least 2."
  type        = number
  default     = 2

  validation {
    condition     = var.broker_count >= 2
    error_message = "broker_count must be at least 2."
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

variable "raw_events_partitions" {
  description = "Partitions of the raw-events topic."
  type        = number
  default     = 3

  validation {
    condition     = var.raw_events_partitions >= 3
    error_message = "raw-events needs at least 3 partitions."
  }
}

variable "retention_hours" {
  description = "Retention of raw-events and dlq-events in hours: at least a week of replay."
  type        = number
  default     = 168

  validation {
    condition     = var.retention_hours >= 168
    error_message = "Retention must cover a week of replay (>= 168 hours)."
  }
}

variable "log_retention_days" {
  description = "Retention of the broker logs in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
