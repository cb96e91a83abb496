variable "description" {
  description = "What the key encrypts (shown in the KMS console)."
  type        = string
}

variable "alias" {
  description = "Alias of the key, without the alias/ prefix."
  type        = string
}

variable "log_groups" {
  description = "CloudWatch Logs groups of this region and account the key encrypts: one statement (sid) for the logs service, limited to these groups by encryption context. Those in `create` (by key) are made here with `retention_in_days`; those in `names` are made elsewhere (ecs_cluster)."
  type = object({
    sid               = string
    create            = optional(map(string), {})
    names             = optional(list(string), [])
    retention_in_days = optional(number)
  })
  default = null

  validation {
    condition     = var.log_groups == null || length(concat(values(try(var.log_groups.create, {})), try(var.log_groups.names, []))) > 0
    error_message = "log_groups must name at least one group (create or names)."
  }

  validation {
    condition     = try(length(var.log_groups.create), 0) == 0 || try(var.log_groups.retention_in_days, null) != null
    error_message = "log_groups.create needs retention_in_days (the root's log_retention_days): no group keeps logs forever."
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

