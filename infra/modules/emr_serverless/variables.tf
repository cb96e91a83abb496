variable "name" {
  description = "Name of the EMR Serverless application (and prefix of its other resources)."
  type        = string
}

variable "release_label" {
  description = "EMR release: 7.x ships Spark 3.5 (emr-7.12.0: Spark 3.5.6, Iceberg 1.10.0)."
  type        = string
  default     = "emr-7.12.0"

  validation {
    condition     = can(regex("^emr-7\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "WikiStream's jobs target Spark 3.5: use an emr-7.x release."
  }
}

variable "architecture" {
  description = "Worker CPU architecture (ARM64 is about 20% cheaper; the jobs are pure JVM/Python)."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.architecture)
    error_message = "architecture must be ARM64 or X86_64."
  }
}

variable "vpc_id" {
  description = "VPC the workers run in."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (interface endpoints and MSK are reached inside it)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the workers."
  type        = list(string)
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (jars, code, checkpoints, logs)."
  type        = string
}

variable "table_bucket_arn" {
  description = "ARN of the S3 Tables table bucket."
  type        = string
}

variable "lakehouse_kms_key_arn" {
  description = "KMS key of the tables and artifacts."
  type        = string
}

variable "msk_cluster_arn" {
  description = "ARN of the MSK cluster."
  type        = string
}

variable "raw_topic_arn" {
  description = "IAM ARN of the raw-events topic (bronze reads it)."
  type        = string
}

variable "dlq_topic_arn" {
  description = "IAM ARN of the dlq-events topic (bronze writes unparseable records to it)."
  type        = string
}

variable "msk_group_arn_prefix" {
  description = "Prefix of the MSK consumer group ARNs."
  type        = string
}

variable "driver" {
  description = "Pre-initialized Spark driver capacity (kept warm while the application is started)."
  type = object({
    count  = number
    cpu    = string
    memory = string
    disk   = string
  })
  default = { count = 1, cpu = "2 vCPU", memory = "4 GB", disk = "20 GB" }
}

variable "executor" {
  description = "Pre-initialized Spark executor capacity."
  type = object({
    count  = number
    cpu    = string
    memory = string
    disk   = string
  })
  default = { count = 1, cpu = "2 vCPU", memory = "8 GB", disk = "20 GB" }
}

variable "maximum_capacity" {
  description = "Ceiling over all workers of the application at any time (caps the cost of a runaway job)."
  type = object({
    cpu    = string
    memory = string
    disk   = string
  })
  default = { cpu = "16 vCPU", memory = "64 GB", disk = "400 GB" }
}

variable "idle_timeout_minutes" {
  description = "Stop the application (and its pre-initialized workers) after this long without jobs."
  type        = number
  default     = 15
}

variable "max_concurrent_runs" {
  description = "Job runs at once; more are queued (bronze stream + one batch job + maintenance)."
  type        = number
  default     = 4
}

variable "log_group_name" {
  description = "CloudWatch log group of the jobs; must be the one Dagster's StartJobRun request names (Pipes reads it). Default: /<name>/emr-serverless."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Retention of the job logs in CloudWatch Logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
