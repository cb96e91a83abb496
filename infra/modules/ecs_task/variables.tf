variable "family" {
  description = "Family of the task definition."
  type        = string
}

variable "cpu" {
  description = "Fargate task CPU units."
  type        = number
}

variable "memory" {
  description = "Fargate task memory in MiB."
  type        = number
}

variable "cpu_architecture" {
  description = "CPU architecture of the image (X86_64 or ARM64)."
  type        = string
}

variable "execution_role_arn" {
  description = "Role the ECS agent pulls the image, writes the logs and reads the secrets with."
  type        = string
}

variable "task_role_arn" {
  description = "Role of the application in the container."
  type        = string
}

variable "container" {
  description = "The container definition's own fields (name, image, command, secrets, ports, health check, ...); the module adds the ones every container shares, its environment, mounts and logging."
  type        = any
}

variable "environment" {
  description = "Environment of the container, by variable name."
  type        = map(string)
  default     = {}
}

variable "volumes" {
  description = "Writable volumes by name: where the container mounts each, and for an EFS volume its file system and access point (task storage when efs is null)."
  type = map(object({
    path = string
    efs  = optional(object({ file_system_id = string, access_point_id = string }))
  }))
}

variable "health_check" {
  description = "An HTTP endpoint of the container that ECS GETs from inside it every 30 s (port, path): unhealthy after 3 answers that are not 2xx or not within `timeout` seconds, counting none in the first `start_period` seconds; no health check when null."
  type        = object({ port = number, path = string, timeout = number, start_period = number })
  default     = null
}

variable "log_group_name" {
  description = "Log group the container writes to (the stream prefix is the container's name)."
  type        = string
}

