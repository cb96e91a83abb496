variable "name" {
  description = "Name prefix (the ECS cluster is <name>-producer)."
  type        = string
}

variable "network" {
  description = "The network module's `network`: the task and the EFS mount targets sit in its private subnets."
  type        = object({ vpc_id = string, subnet_ids = list(string) })
}

variable "image_tag" {
  description = "Tag of the producer image in the module's ECR repository (tags are immutable)."
  type        = string
}

variable "sse_url" {
  description = "Wikimedia EventStreams URL (PRODUCER_SSE_URL)."
  type        = string
  default     = "https://stream.wikimedia.org/v2/stream/recentchange"
}

variable "user_agent" {
  description = "User-Agent with contact information, required by Wikimedia's policy (PRODUCER_USER_AGENT)."
  type        = string

  validation {
    condition     = can(regex("(@|https?://)", var.user_agent))
    error_message = "user_agent must contain contact information (an e-mail address or a URL)."
  }
}

variable "kafka" {
  description = "The msk module's `connection`: the bootstrap servers for SASL/IAM (PRODUCER_BOOTSTRAP_SERVERS), the cluster, the topics the producer writes (raw-events and dlq-events, by name), the task's egress rule to the brokers."
  type = object({
    bootstrap_servers = string
    cluster_arn       = string
    topic_arns        = map(string)
    egress_rule       = object({ description = string, port = number, peer = string })
  })
}

variable "metrics_port" {
  description = "Port of /health and /metrics (PRODUCER_METRICS_PORT)."
  type        = number
  default     = 9108
}

variable "metrics_ingress_cidrs" {
  description = "CIDRs allowed to scrape /metrics (e.g. a Prometheus in the VPC); none by default."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.metrics_ingress_cidrs, "0.0.0.0/0")
    error_message = "The metrics endpoint must not be open to 0.0.0.0/0."
  }
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Fargate task memory in MiB."
  type        = number
  default     = 1024
}

variable "cpu_architecture" {
  description = "CPU architecture of the image (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"
}

variable "state_uid" {
  description = "POSIX uid/gid the EFS access point writes the resume position as."
  type        = number
  default     = 10001
}

variable "log_retention_days" {
  description = "Retention of the log groups made here (the root's log_retention_days)."
  type        = number
}

variable "start_after" {
  description = "Ids of steps the producer's service starts after (ecs_service's start_after): the Kafka topics step, as auto-creation is off."
  type        = map(string)
  default     = {}
}
