variable "name" {
  description = "Name of the service."
  type        = string
}

variable "cluster_id" {
  description = "ECS cluster the service runs in."
  type        = string
}

variable "task_definition_arn" {
  description = "Task definition (revision) the service runs."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the task."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the task."
  type        = list(string)
}

variable "singleton" {
  description = "Exactly one task at a time, also during deployments (a producer or a daemon that must not run twice)."
  type        = bool
  default     = false
}

variable "load_balancer" {
  description = "Target group the container registers in, and how long a new task may fail health checks; none when null."
  type = object({
    target_group_arn     = string
    container_name       = string
    container_port       = number
    grace_period_seconds = number
  })
  default = null
}

