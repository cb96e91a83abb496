variable "name" {
  description = "Name prefix of the buckets: <name>-tables and <name>-artifacts-<account id> (lowercase letters, digits, hyphens; at most 40 characters, as a bucket name has at most 63)."
  type        = string
}

variable "unreferenced_days" {
  description = "S3 Tables maintenance: days before files no snapshot references are marked noncurrent."
  type        = number
  default     = 3
}

variable "noncurrent_days" {
  description = "S3 Tables maintenance: days before noncurrent files are deleted."
  type        = number
  default     = 10
}

variable "log_expiration_days" {
  description = "Days after which job logs under logs/ in the artifacts bucket are deleted (they move to Standard-IA at 30)."
  type        = number
  default     = 90

  validation {
    condition     = var.log_expiration_days > 30
    error_message = "log_expiration_days must be more than 30 (logs move to Standard-IA at 30 days)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted artifact versions are deleted."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets (tests/dev only)."
  type        = bool
  default     = false
}

