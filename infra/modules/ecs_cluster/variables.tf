variable "name" {
  description = "Name of the cluster; also of its image repository and the prefix of its execution role."
  type        = string
}

variable "kms_key_arn" {
  description = "The calling module's KMS key: log group, images, secrets (its policy must let CloudWatch Logs use it for log_group_name)."
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch log group of the cluster's containers (awslogs driver)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the containers' logs."
  type        = number
}

variable "secret_arns" {
  description = "Secrets Manager secrets the task definitions inject as `secrets` (read by the execution role); none when empty."
  type        = list(string)
  default     = []
}

