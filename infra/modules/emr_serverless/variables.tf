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

variable "network" {
  description = "The network module's `network`: the workers run in its private subnets and reach only the VPC (interface endpoints, MSK) and S3's gateway endpoint (prefix list)."
  type        = object({ vpc_id = string, vpc_cidr = string, subnet_ids = list(string), s3_prefix_list_id = string })
}

variable "lakehouse" {
  description = "The lakehouse module's `buckets`: the table bucket, the artifacts bucket (jars, code, checkpoints, logs) and the key encrypting both."
  type        = object({ table_bucket_arn = string, artifacts_bucket_arn = string, kms_key_arn = string })
}

variable "kafka" {
  description = "The msk module's `connection`: the cluster, the topics' IAM ARNs (bronze reads raw-events and dead-letters to dlq-events), the consumer group ARN prefix, the workers' egress rule to the brokers."
  type = object({
    cluster_arn      = string
    topic_arns       = map(string)
    group_arn_prefix = string
    egress_rule      = object({ description = string, port = number, peer = string })
  })

  validation {
    condition     = alltrue([for topic in ["raw-events", "dlq-events"] : contains(keys(var.kafka.topic_arns), topic)])
    error_message = "kafka.topic_arns must name raw-events and dlq-events."
  }
}

variable "sizing" {
  description = "Spark sizes of the jobs (wikistream_dagster/deployment/spark_sizing.json): one driver and one executor worker size, each job's executor counts, which jobs can run at once, and whose workers to pre-initialize. The capacity is derived from it."
  type = object({
    driver   = object({ cpu = number, memory_gb = number, disk_gb = number })
    executor = object({ cpu = number, memory_gb = number, disk_gb = number })
    jobs = map(object({
      initial_executors = number
      min_executors     = number
      max_executors     = number
    }))
    concurrency = list(list(string))
    prewarmed   = string
  })

  validation {
    condition     = alltrue([for w in [var.sizing.driver, var.sizing.executor] : contains([1, 2, 4, 8, 16], w.cpu) && w.memory_gb >= 2 * w.cpu && w.memory_gb <= 8 * w.cpu && w.disk_gb >= 20 && w.disk_gb <= 200])
    error_message = "Worker sizes must be EMR Serverless ones: 1, 2, 4, 8 or 16 vCPU, 2-8 GB per vCPU, 20-200 GB disk."
  }

  validation {
    condition     = alltrue([for j in values(var.sizing.jobs) : j.min_executors <= j.initial_executors && j.initial_executors <= j.max_executors])
    error_message = "Each job needs min_executors <= initial_executors <= max_executors."
  }

  validation {
    condition     = contains(keys(var.sizing.jobs), var.sizing.prewarmed) && alltrue([for job in flatten(var.sizing.concurrency) : contains(keys(var.sizing.jobs), job)])
    error_message = "prewarmed and every job in concurrency must be one of sizing.jobs."
  }
}

variable "prewarm" {
  description = "Pre-initialize the prewarmed job's driver and initial executors (kept while the application is started)."
  type        = bool
  default     = true
}

variable "idle_timeout_minutes" {
  description = "Stop the application (and its pre-initialized workers) after this long without jobs."
  type        = number
  default     = 15
}

variable "log_group_name" {
  description = "CloudWatch log group of the jobs; must be the one Dagster's StartJobRun request names (Pipes reads it). Default: /<name>/emr-serverless."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Retention of the log groups made here (the root's log_retention_days)."
  type        = number
}

