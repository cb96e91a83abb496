output "arn" {
  description = "ARN of the task definition's latest revision (services, run-task)."
  value       = aws_ecs_task_definition.this.arn
}
