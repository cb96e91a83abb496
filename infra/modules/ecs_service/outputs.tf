output "name" {
  description = "Name of the service (the ServiceName dimension of its metrics)."
  value       = aws_ecs_service.this.name
}
