variable "description" {
  description = "What the key encrypts (shown in the KMS console)."
  type        = string
}

variable "alias" {
  description = "Alias of the key, without the alias/ prefix."
  type        = string
}

variable "log_groups" {
  description = "CloudWatch Logs groups the key encrypts, made here (`create`, by key) with `retention_in_days` (the root's log_retention_days: no group keeps logs forever), and one statement (sid) for the logs service, limited to these groups by encryption context. Every log group of the project is made this way."
  type = object({
    sid               = string
    create            = map(string)
    retention_in_days = number
  })
  default = null

  validation {
    condition     = var.log_groups == null || try(length(var.log_groups.create), 0) > 0
    error_message = "log_groups.create must name at least one group."
  }
}

variable "grants" {
  description = "Other service principals that use the key: one statement each, with its own sid, actions and optional condition."
  type = list(object({
    sid       = string
    service   = string
    actions   = list(string)
    condition = optional(object({ test = string, variable = string, values = list(string) }))
  }))
  default = []
}

