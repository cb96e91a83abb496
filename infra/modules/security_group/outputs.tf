output "id" {
  description = "ID of the group (network configurations, peer rules)."
  value       = aws_security_group.this.id
}
