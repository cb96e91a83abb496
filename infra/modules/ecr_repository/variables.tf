variable "name" {
  description = "Name of the repository (the service or cluster it holds images for)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key the images are encrypted with (the calling module's key)."
  type        = string
}

