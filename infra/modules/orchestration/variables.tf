variable "name" {
  description = "Name prefix (the ECS cluster is <name>-dagster)."
  type        = string
}

variable "network" {
  description = "The network module's `network`: the tasks, the database and the internal load balancer sit in its private subnets."
  type        = object({ vpc_id = string, subnet_ids = list(string) })
}

variable "image_tag" {
  description = "Tag of the Dagster image (the project with its dependencies) in the module's ECR repository."
  type        = string
}

variable "workspace_file" {
  description = "Path of workspace.yaml inside the image."
  type        = string
  default     = "workspace.yaml"
}

variable "wikistream_env" {
  description = "The Dagster `aws` deployment settings (WIKISTREAM_*), set on every Dagster container."
  type        = map(string)

  validation {
    condition = alltrue([for key in [
      "WIKISTREAM_DEPLOYMENT",
      "WIKISTREAM_AWS_REGION",
      "WIKISTREAM_EMR_APPLICATION_ID",
      "WIKISTREAM_EMR_EXECUTION_ROLE_ARN",
      "WIKISTREAM_ARTIFACTS_BUCKET",
      "WIKISTREAM_TABLE_BUCKET_ARN",
      "WIKISTREAM_MSK_BOOTSTRAP_SERVERS",
      "WIKISTREAM_ALERTS_TOPIC_ARN",
      "WIKISTREAM_EMR_LOG_GROUP",
    ] : contains(keys(var.wikistream_env), key)])
    error_message = "wikistream_env must carry every setting of the aws deployment (see wikistream_dagster/config.py)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the internal load balancer's HTTPS listener (e.g. dagster.internal.example.com)."
  type        = string
}

variable "ui_hostname" {
  description = "DNS name users open the Dagster UI at (matches certificate_arn; Cognito's sign-in returns to https://<ui_hostname>/oauth2/idpresponse)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.ui_hostname))
    error_message = "ui_hostname must be a DNS name such as dagster.internal.example.com (no scheme, no path)."
  }
}

variable "allowed_cidrs" {
  description = "Networks allowed to open the Dagster UI (VPN, bastion, peered VPC); never 0.0.0.0/0."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && !contains(var.allowed_cidrs, "0.0.0.0/0")
    error_message = "allowed_cidrs must list private networks, not 0.0.0.0/0."
  }
}

variable "emr" {
  description = "The emr_serverless module's `application`: Dagster submits jobs to it (ARN), passes their runtime role and reads their log group (Dagster Pipes)."
  type        = object({ arn = string, execution_role_arn = string, log_group_arn = string })
}

variable "lakehouse" {
  description = "The lakehouse module's `buckets`: Dagster reads the bronze checkpoint and writes its compute logs in the artifacts bucket, the bronze sensor reads snapshots of the table bucket (pyiceberg), both under the lakehouse key."
  type        = object({ artifacts_bucket_arn = string, table_bucket_arn = string, kms_key_arn = string })
}

variable "alerts" {
  description = "The monitoring module's `alerts`: the SNS topic the run-failure sensor publishes to, its KMS key, and the CloudWatch namespace Dagster may publish metrics to."
  type        = object({ topic_arn = string, kms_key_arn = string, metrics_namespace = string })
}

variable "kafka" {
  description = "The msk module's `connection`: the bootstrap servers (the topic admin task), the cluster, the project's topics (the sensor reads their offsets, the admin task creates them), the tasks' egress rule to the brokers (offsets for lag, topic admin)."
  type = object({
    bootstrap_servers = string
    cluster_arn       = string
    topic_arns        = map(string)
    egress_rule       = object({ description = string, port = number, peer = string })
  })
}

variable "db_instance_class" {
  description = "RDS instance class of Dagster's PostgreSQL."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage" {
  description = "Initial storage of the database in GiB (grows automatically up to 5x)."
  type        = number
  default     = 20
}

variable "db_engine_version" {
  description = "PostgreSQL major version."
  type        = string
  default     = "16"
}

variable "db_multi_az" {
  description = "Standby replica in a second AZ (doubles the database cost)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the database and the load balancer from deletion."
  type        = bool
  default     = true
}

variable "max_concurrent_runs" {
  description = "Dagster runs at once (each is a small ECS task; Spark runs on EMR)."
  type        = number
  default     = 4
}

variable "task_sizes" {
  description = "CPU units and MiB of the webserver, the daemon and each run task."
  type        = map(object({ cpu = number, memory = number }))
  default = {
    webserver = { cpu = 512, memory = 2048 }
    daemon    = { cpu = 512, memory = 2048 }
    run       = { cpu = 512, memory = 2048 }
  }

  validation {
    condition     = alltrue([for task in ["webserver", "daemon", "run"] : contains(keys(var.task_sizes), task)])
    error_message = "task_sizes must size the webserver, the daemon and the run tasks."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"
}

variable "log_retention_days" {
  description = "Retention of the log groups made here (the root's log_retention_days)."
  type        = number
}

