################################################################################
# Security groups: users -> internal ALB (443) -> webserver (3000); tasks -> RDS (5432),
# MSK (9098), AWS APIs (443)
################################################################################

module "alb_security_group" {
  source = "../security_group"

  name        = "${local.cluster_name}-alb"
  description = "Internal load balancer of the Dagster UI: HTTPS from allowed networks"
  vpc_id      = var.network.vpc_id

  rules = {
    ingress = { for cidr in var.allowed_cidrs : cidr => { description = "HTTPS from an allowed network", port = 443, cidr = cidr } }
    egress = {
      alb_to_idp       = { description = "HTTPS to the Cognito token and user-info endpoints (sign-in), through the NAT", port = 443, cidr = "0.0.0.0/0" }
      alb_to_webserver = { description = "To the Dagster webserver", port = 3000, peer = module.tasks_security_group.id }
    }
  }
}

module "tasks_security_group" {
  source = "../security_group"

  name        = "${local.cluster_name}-tasks"
  description = "Dagster webserver, daemon and run tasks"
  vpc_id      = var.network.vpc_id

  rules = {
    ingress = { webserver_from_alb = { description = "Dagster webserver from the load balancer", port = 3000, peer = module.alb_security_group.id } }
    egress = {
      tasks_https    = { description = "HTTPS to AWS APIs (ECS, EMR Serverless, S3, S3 Tables, SNS, logs) via endpoints or NAT", port = 443, cidr = "0.0.0.0/0" }
      tasks_postgres = { description = "PostgreSQL run storage", port = 5432, peer = module.db_security_group.id }
      tasks_kafka    = var.kafka.egress_rule
    }
  }
}

module "db_security_group" {
  source = "../security_group"

  name        = "${local.cluster_name}-db"
  description = "Dagster PostgreSQL: from the Dagster tasks only"
  vpc_id      = var.network.vpc_id
  rules       = { ingress = { db_from_tasks = { description = "PostgreSQL from the Dagster tasks", port = 5432, peer = module.tasks_security_group.id } } }
}
