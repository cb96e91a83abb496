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


variable "start_after" {
  description = "Ids of steps the service starts after (e.g. the Kafka topics step): stored in `triggers`, so the service depends on just these and not its whole calling module (a module-level depends_on defers the module's data sources, and so its task definition, whenever anything upstream changes); without force_new_deployment a change does not redeploy."
  type        = map(string)
  default     = {}
}
