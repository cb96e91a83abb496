output "id" {
  description = "ID of the group (network configurations, peer rules)."
  value       = aws_security_group.this.id
}

output "rules" {
  description = "The rule resources by direction (ingress, egress) and key."
  value       = { ingress = aws_vpc_security_group_ingress_rule.this, egress = aws_vpc_security_group_egress_rule.this }
}
