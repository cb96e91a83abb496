variable "name" {
  description = "Name of the group (and its Name tag)."
  type        = string
}

variable "description" {
  description = "What the group protects and what it lets through."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the group."
  type        = string
}

variable "rules" {
  description = "Rules by direction (ingress, egress) and key: description, TCP port, and one source or destination (cidr, peer group or prefix_list)."
  type = map(map(object({
    description = string
    port        = number
    cidr        = optional(string)
    peer        = optional(string)
    prefix_list = optional(string)
  })))

  validation {
    condition     = length(setsubtract(keys(var.rules), ["ingress", "egress"])) == 0
    error_message = "rules has two directions: ingress and egress."
  }
}

