output "arn" {
  description = "ARN of the role (task definitions, flow logs, EMR job runs, RDS monitoring)."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "statements" {
  description = "Statements of the role's inline policy, as given (empty without one)."
  value       = try(var.policy.statements, [])
}
