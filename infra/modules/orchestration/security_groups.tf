################################################################################
# Security groups: users -> internal ALB (443) -> webserver (3000); tasks -> RDS (5432),
# MSK (9098), AWS APIs (443)
################################################################################

locals {
  # One entry a rule (TCP, one port): the group it belongs to and its source or destination,
  # a CIDR (`cidr`) or another group (`peer`). The UI's allowed networks are `alb_https` below.
  ingress_rules = {
    webserver_from_alb = {
      group       = aws_security_group.tasks.id
      description = "Dagster webserver from the load balancer"
      port        = 3000
      peer        = aws_security_group.alb.id
    }
    db_from_tasks = {
      group       = aws_security_group.db.id
      description = "PostgreSQL from the Dagster tasks"
      port        = 5432
      peer        = aws_security_group.tasks.id
    }
  }

  egress_rules = {
    alb_to_idp = {
      group       = aws_security_group.alb.id
      description = "HTTPS to the Cognito token and user-info endpoints (sign-in), through the NAT"
      port        = 443
      cidr        = "0.0.0.0/0"
    }
    alb_to_webserver = {
      group       = aws_security_group.alb.id
      description = "To the Dagster webserver"
      port        = 3000
      peer        = aws_security_group.tasks.id
    }
    tasks_https = {
      group       = aws_security_group.tasks.id
      description = "HTTPS to AWS APIs (ECS, EMR Serverless, S3, S3 Tables, SNS, logs) via endpoints or NAT"
      port        = 443
      cidr        = "0.0.0.0/0"
    }
    tasks_postgres = {
      group       = aws_security_group.tasks.id
      description = "PostgreSQL run storage"
      port        = 5432
      peer        = aws_security_group.db.id
    }
    tasks_kafka = {
      group       = aws_security_group.tasks.id
      description = "Kafka SASL/IAM over TLS to MSK (offsets for lag, topic admin)"
      port        = 9098
      cidr        = var.vpc_cidr
    }
  }
}

resource "aws_security_group" "alb" {
  name        = "${local.cluster_name}-alb"
  description = "Internal load balancer of the Dagster UI: HTTPS from allowed networks"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-alb" })
}

resource "aws_security_group" "tasks" {
  #checkov:skip=CKV2_AWS_5:Attached by the Dagster services and run tasks (module.service, ecs_service; the run launcher) through a module input, which this graph check does not follow.
  name        = "${local.cluster_name}-tasks"
  description = "Dagster webserver, daemon and run tasks"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-tasks" })
}

resource "aws_security_group" "db" {
  name        = "${local.cluster_name}-db"
  description = "Dagster PostgreSQL: from the Dagster tasks only"
  vpc_id      = var.vpc_id

  tags = merge(local.tags, { Name = "${local.cluster_name}-db" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from an allowed network"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
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
