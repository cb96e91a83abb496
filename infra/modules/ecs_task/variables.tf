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

variable "log_group_name" {
  description = "Log group the container writes to (the stream prefix is the container's name)."
  type        = string
}

