variable "name" {
  description = "Name of the cluster; also of its image repository and the prefix of its execution role."
  type        = string
}

variable "kms_key_arn" {
  description = "The calling module's KMS key: log group, images, secrets (its policy lets CloudWatch Logs use it for log_group)."
  type        = string
}

variable "log_group" {
  description = "The containers' CloudWatch log group (awslogs driver), made with the caller's key by kms_key (its `log_groups` output): name and ARN."
  type        = object({ name = string, arn = string })
}

variable "secret_arns" {
  description = "Secrets Manager secrets the task definitions inject as `secrets` (read by the execution role); none when empty."
  type        = list(string)
  default     = []
}

