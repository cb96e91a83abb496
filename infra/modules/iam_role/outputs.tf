output "arn" {
  description = "ARN of the role (task definitions, flow logs, EMR job runs, RDS monitoring)."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}
