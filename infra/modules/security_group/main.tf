# A security group and its rules, each rule one TCP port to or from one source or destination: a
# CIDR (`cidr`), another group (`peer`) or a prefix list (`prefix_list`). Rules are resources of
# their own (never inline), so adding one never rewrites the others.
resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached by the caller through the id output (ECS services, EMR application, RDS); this graph check does not follow a group across modules to every attachment.
  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id

  tags = { Name = var.name }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = lookup(var.rules, "ingress", {})

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr
  referenced_security_group_id = each.value.peer
  prefix_list_id               = each.value.prefix_list
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = lookup(var.rules, "egress", {})

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = each.value.cidr
  referenced_security_group_id = each.value.peer
  prefix_list_id               = each.value.prefix_list
}
