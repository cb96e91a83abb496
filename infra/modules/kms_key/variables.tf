variable "description" {
  description = "What the key encrypts (shown in the KMS console)."
  type        = string
}

variable "alias" {
  description = "Alias of the key, without the alias/ prefix."
  type        = string
}

variable "log_groups" {
  description = "CloudWatch Logs groups of this region and account the key encrypts: one statement (sid) for the logs service, limited to these group names by encryption context."
  type        = object({ sid = string, names = list(string) })
  default     = null
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

variable "tags" {
  description = "Tags of the key."
  type        = map(string)
  default     = {}
}
