################################################################################
# Network: no ingress (the health check runs inside the task); egress to
# Wikimedia over NAT (443), MSK (9098) and EFS (2049)
################################################################################

module "task_security_group" {
  source = "../security_group"

  name        = "${local.service_name}-task"
  description = "Producer task: egress only (Wikimedia via NAT, MSK, EFS)"
  vpc_id      = var.network.vpc_id

  rules = {
    # Prometheus scrapers of /metrics, none by default.
    ingress = { for cidr in var.metrics_ingress_cidrs : cidr => { description = "Prometheus scrape of /metrics", port = var.metrics_port, cidr = cidr } }
    egress = {
      https = { description = "HTTPS to stream.wikimedia.org (through NAT) and AWS APIs (ECR, logs, STS)", port = 443, cidr = "0.0.0.0/0" }
      kafka = var.kafka.egress_rule
      nfs   = { description = "NFS to the resume-state file system", port = 2049, peer = module.efs_security_group.id }
    }
  }
}

module "efs_security_group" {
  source = "../security_group"

  name        = "${local.service_name}-efs"
  description = "Producer state file system: NFS from the producer task only"
  vpc_id      = var.network.vpc_id
  rules       = { ingress = { efs_from_task = { description = "NFS from the producer task", port = 2049, peer = module.task_security_group.id } } }
}
