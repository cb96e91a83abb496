variable "name" {
  description = "Name prefix (lowercase letters, digits, hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$", var.name))
    error_message = "name must be 3-42 lowercase letters, digits or hyphens."
  }
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

