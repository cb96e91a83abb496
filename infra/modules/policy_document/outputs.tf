output "json" {
  description = "The policy document (JSON) for a role policy or a resource policy."
  value       = data.aws_iam_policy_document.this.json
}
