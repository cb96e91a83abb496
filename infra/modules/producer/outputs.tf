output "services" {
  description = "The service that must always run one task, by display name: its cluster and service (the monitoring module's `ecs_services`)."
  value       = { producer = { cluster_name = module.cluster.name, service_name = module.service.name } }
}

output "ecr_repository_url" {
  description = "Push the producer image here (tag = image_tag)."
  value       = module.cluster.repository_url
}
