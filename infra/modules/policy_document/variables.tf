variable "statements" {
  description = "The policy's statements: sid, actions, resources (a statement with none is left out), and optionally effect (Allow), principals (resource policies) and conditions."
  type = list(object({
    sid        = string
    effect     = optional(string, "Allow")
    actions    = list(string)
    resources  = list(string)
    principals = optional(list(object({ type = string, identifiers = list(string) })), [])
    condition  = optional(list(object({ test = string, variable = string, values = list(string) })), [])
  }))
  default = []
}

variable "deny_insecure_transport" {
  description = "For a resource policy (bucket, file system, topic): the actions and resources for which anyone's request without TLS is denied (aws:SecureTransport false); none when null."
  type        = object({ actions = list(string), resources = list(string) })
  default     = null
}
