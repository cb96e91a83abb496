################################################################################
# Network: no ingress (the health check runs inside the task); egress to
# Wikimedia over NAT (443), MSK (9098) and EFS (2049)
################################################################################

locals {
  # One entry a rule (TCP, one port): the group it belongs to and its source or destination,
  # a CIDR (`cidr`) or another group (`peer`). Prometheus scrapers are `metrics` below.
  ingress_rules = {
    efs_from_task = {
      group       = aws_security_group.efs.id
      description = "NFS from the producer task"
      port        = 2049
      peer        = aws_security_group.task.id
    }
  }

  egress_rules = {
    https = {
      group       = aws_security_group.task.id
      description = "HTTPS to stream.wikimedia.org (through NAT) and AWS APIs (ECR, logs, STS)"
      port        = 443
      cidr        = "0.0.0.0/0"
    }
    kafka = {
      group       = aws_security_group.task.id
      description = "Kafka SASL/IAM over TLS to MSK"
      port        = 9098
      cidr        = var.vpc_cidr
    }
    nfs = {
      group       = aws_security_group.task.id
      description = "NFS to the resume-state file system"
      port        = 2049
      peer        = aws_security_group.efs.id
    }
  }
}

resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:Attached by the producer service (module.service, ecs_service) through a module input, which this graph check does not follow.
  name        = "${local.service_name}-task"
  description = "Producer task: egress only (Wikimedia via NAT, MSK, EFS)"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.service_name}-task" })
}

resource "aws_security_group" "efs" {
  name        = "${local.service_name}-efs"
  description = "Producer state file system: NFS from the producer task only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.service_name}-efs" })
}

resource "aws_vpc_security_group_ingress_rule" "metrics" {
  for_each = toset(var.metrics_ingress_cidrs)

  security_group_id = aws_security_group.task.id
  description       = "Prometheus scrape of /metrics"
  ip_protocol       = "tcp"
  from_port         = var.metrics_port
  to_port           = var.metrics_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress_rules

  security_group_id            = each.value.group
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = try(each.value.cidr, null)
  referenced_security_group_id = try(each.value.peer, null)
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress_rules

  security_group_id            = each.value.group
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  cidr_ipv4                    = try(each.value.cidr, null)
  referenced_security_group_id = try(each.value.peer, null)
}
