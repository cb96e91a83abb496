output "arn" {
  description = "ARN of the repository (what the execution role may pull from)."
  value       = aws_ecr_repository.this.arn
}

output "repository_url" {
  description = "Push images here; task definitions name <repository_url>:<tag>."
  value       = aws_ecr_repository.this.repository_url
}
