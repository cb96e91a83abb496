# Every security group and its rules from modules/security_group (issue #12, duplicate code).
# Chains with moved.tf, which moved the rules into the for_each maps these addresses name.

# Network: the VPC endpoints' group.

moved {
  from = module.network.aws_security_group.endpoints
  to   = module.network.module.endpoints_security_group.aws_security_group.this
}

moved {
  from = module.network.aws_vpc_security_group_ingress_rule.endpoints_https
  to   = module.network.module.endpoints_security_group.aws_vpc_security_group_ingress_rule.this["https"]
}

# MSK: the brokers' group; its rules are keyed by client CIDR, so the whole resource moves.

moved {
  from = module.msk.aws_security_group.this
  to   = module.msk.module.security_group.aws_security_group.this
}

moved {
  from = module.msk.aws_vpc_security_group_ingress_rule.iam_tls
  to   = module.msk.module.security_group.aws_vpc_security_group_ingress_rule.this
}

# EMR Serverless: the workers' group (same rule keys).

moved {
  from = module.emr_serverless.aws_security_group.this
  to   = module.emr_serverless.module.security_group.aws_security_group.this
}

moved {
  from = module.emr_serverless.aws_vpc_security_group_egress_rule.this
  to   = module.emr_serverless.module.security_group.aws_vpc_security_group_egress_rule.this
}

# Producer: the task's group (metrics scrapers keyed by CIDR; all egress rules) and the file system's.

moved {
  from = module.producer.aws_security_group.task
  to   = module.producer.module.task_security_group.aws_security_group.this
}

moved {
  from = module.producer.aws_vpc_security_group_ingress_rule.metrics
  to   = module.producer.module.task_security_group.aws_vpc_security_group_ingress_rule.this
}

moved {
  from = module.producer.aws_vpc_security_group_egress_rule.this
  to   = module.producer.module.task_security_group.aws_vpc_security_group_egress_rule.this
}

moved {
  from = module.producer.aws_security_group.efs
  to   = module.producer.module.efs_security_group.aws_security_group.this
}

moved {
  from = module.producer.aws_vpc_security_group_ingress_rule.this["efs_from_task"]
  to   = module.producer.module.efs_security_group.aws_vpc_security_group_ingress_rule.this["efs_from_task"]
}

# Dagster: the load balancer's group (HTTPS from allowed networks, keyed by CIDR), the tasks' and the database's.

moved {
  from = module.orchestration.aws_security_group.alb
  to   = module.orchestration.module.alb_security_group.aws_security_group.this
}

moved {
  from = module.orchestration.aws_vpc_security_group_ingress_rule.alb_https
  to   = module.orchestration.module.alb_security_group.aws_vpc_security_group_ingress_rule.this
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.this["alb_to_idp"]
  to   = module.orchestration.module.alb_security_group.aws_vpc_security_group_egress_rule.this["alb_to_idp"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.this["alb_to_webserver"]
  to   = module.orchestration.module.alb_security_group.aws_vpc_security_group_egress_rule.this["alb_to_webserver"]
}

moved {
  from = module.orchestration.aws_security_group.tasks
  to   = module.orchestration.module.tasks_security_group.aws_security_group.this
}

moved {
  from = module.orchestration.aws_vpc_security_group_ingress_rule.this["webserver_from_alb"]
  to   = module.orchestration.module.tasks_security_group.aws_vpc_security_group_ingress_rule.this["webserver_from_alb"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_https"]
  to   = module.orchestration.module.tasks_security_group.aws_vpc_security_group_egress_rule.this["tasks_https"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_postgres"]
  to   = module.orchestration.module.tasks_security_group.aws_vpc_security_group_egress_rule.this["tasks_postgres"]
}

moved {
  from = module.orchestration.aws_vpc_security_group_egress_rule.this["tasks_kafka"]
  to   = module.orchestration.module.tasks_security_group.aws_vpc_security_group_egress_rule.this["tasks_kafka"]
}

moved {
  from = module.orchestration.aws_security_group.db
  to   = module.orchestration.module.db_security_group.aws_security_group.this
}

moved {
  from = module.orchestration.aws_vpc_security_group_ingress_rule.this["db_from_tasks"]
  to   = module.orchestration.module.db_security_group.aws_vpc_security_group_ingress_rule.this["db_from_tasks"]
}
