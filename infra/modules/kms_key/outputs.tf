output "arn" {
  description = "ARN of the key (what resources name as their KMS key)."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the key."
  value       = aws_kms_key.this.key_id
}

output "alias" {
  description = "Alias of the key (alias/...)."
  value       = aws_kms_alias.this.name
}

output "log_groups" {
  description = "The log groups made here (log_groups.create), by key: name and arn."
  value       = { for key, group in aws_cloudwatch_log_group.this : key => { name = group.name, arn = group.arn } }
}
