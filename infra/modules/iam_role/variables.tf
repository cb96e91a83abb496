variable "name" {
  description = "Name of the role."
  type        = string
}

variable "description" {
  description = "Description of the role (none when null)."
  type        = string
  default     = null
}

variable "service" {
  description = "The one service principal that assumes the role, e.g. ecs-tasks.amazonaws.com."
  type        = string
}

variable "source_arns" {
  description = "Resources the service must act for (aws:SourceArn, ArnLike); none when empty."
  type        = list(string)
  default     = []
}

variable "policy" {
  description = "The role's inline policy: its name and its statements (the caller's, next to what they grant; see policy_document)."
  type        = object({ name = string, statements = any })
  default     = null
}

variable "managed_policy_arn" {
  description = "An AWS-managed policy to attach instead of an inline one (RDS enhanced monitoring)."
  type        = string
  default     = null
}

