output "arn" {
  description = "ARN of the key (what resources name as their KMS key)."
  value       = aws_kms_key.this.arn
}

output "log_groups" {
  description = "The log groups made here (log_groups.create), by key: name and arn."
  value       = { for key, group in aws_cloudwatch_log_group.this : key => { name = group.name, arn = group.arn } }
}
