variable "region" {
  description = "AWS region (one with S3 Tables, MSK and EMR Serverless)."
  type        = string
}

variable "project" {
  description = "Project name, first part of every resource name."
  type        = string
  default     = "wikistream"
}

variable "environment" {
  description = "Environment name, second part of every resource name."
  type        = string
  default     = "prod"
}

variable "tags" {
  description = "Extra tags for every resource (e.g. Owner, CostCenter)."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch Logs group of the project (the modules that make log groups get it)."
  type        = number
  default     = 365
}

# Network

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones (2 or 3; 3 for MSK's 3 brokers, one per zone)."
  type        = number
  default     = 3
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) or one per AZ."
  type        = bool
  default     = true
}

# Kafka

variable "kafka_broker_count" {
  description = "MSK brokers (a multiple of az_count, at least 3: replication 3, min.insync.replicas 2)."
  type        = number
  default     = 3

  validation {
    condition     = var.kafka_broker_count >= 3
    error_message = "kafka_broker_count must be at least 3: with 2, min.insync.replicas=1 turns acks=all into acks=1 while a broker is down."
  }
}

variable "kafka_broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_broker_volume_size" {
  description = "EBS GiB per broker."
  type        = number
  default     = 100
}

# Spark

variable "emr_release_label" {
  description = "EMR release of the Spark application (emr-7.x)."
  type        = string
  default     = "emr-7.12.0"
}

variable "emr_prewarm" {
  description = "Keep bronze's driver and executors pre-initialized (bronze runs all the time, so they cost nothing extra; false: every start waits for workers)."
  type        = bool
  default     = true
}

# Producer

variable "producer_image_tag" {
  description = "Tag of the producer image pushed to the producer ECR repository."
  type        = string
}

variable "producer_user_agent" {
  description = "User-Agent sent to Wikimedia, with contact information (their policy requires it)."
  type        = string
}

# Dagster

variable "dagster_image_tag" {
  description = "Tag of the Dagster image pushed to the Dagster ECR repository."
  type        = string
}

variable "dagster_certificate_arn" {
  description = "ACM certificate ARN for the Dagster UI's internal HTTPS listener."
  type        = string
}

variable "dagster_ui_hostname" {
  description = "DNS name of the Dagster UI (covered by dagster_certificate_arn; point it at the dagster_ui output's load_balancer_dns_name in your private DNS)."
  type        = string
}

variable "dagster_allowed_cidrs" {
  description = "Private networks (VPN, bastion) allowed to open the Dagster UI."
  type        = list(string)
}

variable "dagster_db_multi_az" {
  description = "Multi-AZ standby for Dagster's PostgreSQL."
  type        = bool
  default     = false
}

# Monitoring

variable "alert_emails" {
  description = "E-mail addresses that receive alerts."
  type        = list(string)
  default     = []
}

# Admin step

variable "create_kafka_topics" {
  description = "Run the one-off ECS task that creates the Kafka topics during apply (needs the AWS CLI where Terraform runs)."
  type        = bool
  default     = true
}
