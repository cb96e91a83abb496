################################################################################
# ECS: task definitions (webserver, daemon, run, kafka-admin) and services
################################################################################

locals {
  instance_yaml = templatefile("${path.module}/templates/dagster.yaml.tftpl", {
    run_task_family     = local.run_task_family
    cluster_arn         = module.cluster.arn
    subnets             = jsonencode(var.network.subnet_ids)
    security_groups     = jsonencode([module.tasks_security_group.id])
    max_concurrent_runs = var.max_concurrent_runs
    artifacts_bucket    = local.artifacts
    compute_logs_prefix = local.compute_logs_prefix
  })

  # Every Dagster container: the `aws` deployment settings plus the instance's own.
  environment = merge(var.wikistream_env, {
    DAGSTER_HOME          = local.dagster_home
    DAGSTER_INSTANCE_YAML = local.instance_yaml
    DAGSTER_PG_HOST       = aws_db_instance.this.address
    DAGSTER_PG_DB         = local.db_name
    DAGSTER_PG_USERNAME   = local.db_username
    HOME                  = "/tmp"
  })

  # RDS keeps the master password in its own Secrets Manager secret (never in Terraform state);
  # ECS injects it at task start.
  db_secret_arn = aws_db_instance.this.master_user_secret[0].secret_arn
  secrets       = [{ name = "DAGSTER_PG_PASSWORD", valueFrom = "${local.db_secret_arn}:password::" }]

  # Writes the instance config to $DAGSTER_HOME, creates Dagster's tables under a PostgreSQL
  # advisory lock (ECS starts the webserver and daemon together on an empty database; see
  # wikistream_dagster/aws/instance_init.py), then execs the given command.
  with_instance = "mkdir -p \"$DAGSTER_HOME\" && printf '%s\\n' \"$DAGSTER_INSTANCE_YAML\" > \"$DAGSTER_HOME/dagster.yaml\" && python -m wikistream_dagster.aws.instance_init && exec"

  # The task definitions, by key: size, role and the container's own fields. All run the Dagster
  # image with the instance's environment and the database secret (the admin task needs none).
  # EcsRunLauncher starts one task of `run` per run, overriding the command.
  tasks = {
    webserver = {
      size = var.task_sizes.webserver
      role = module.webserver_role.arn
      container = {
        name         = "webserver"
        command      = ["/bin/sh", "-c", "${local.with_instance} dagster-webserver --host 0.0.0.0 --port 3000 -w ${var.workspace_file}"]
        portMappings = [{ name = "http", containerPort = 3000, protocol = "tcp" }]
      }
      health_check = { port = 3000, path = "/server_info", timeout = 10, start_period = 120 }
    }
    daemon = {
      size      = var.task_sizes.daemon
      role      = module.worker_role.arn
      container = { name = "daemon", command = ["/bin/sh", "-c", "${local.with_instance} dagster-daemon run -w ${var.workspace_file}"] }
    }
    run = {
      size      = var.task_sizes.run
      role      = module.worker_role.arn
      container = { name = "run" }
    }
    kafka_admin = {
      size      = { cpu = 256, memory = 512 }
      role      = module.kafka_admin_role.arn
      container = { name = "kafka-admin", command = ["wikistream", "kafka", "create-topics", "--bootstrap", var.kafka.bootstrap_servers, "--msk-iam"], secrets = [] }
    }
  }
}

module "task" {
  source   = "../ecs_task"
  for_each = local.tasks

  family             = each.key == "run" ? local.run_task_family : "${local.cluster_name}-${each.value.container.name}"
  cpu                = each.value.size.cpu
  memory             = each.value.size.memory
  cpu_architecture   = var.cpu_architecture
  execution_role_arn = module.cluster.execution_role_arn
  task_role_arn      = each.value.role
  environment        = local.environment
  log_group_name     = module.cluster.log_group_name
  health_check       = lookup(each.value, "health_check", null)
  volumes            = { dagster-home = { path = local.dagster_home }, tmp = { path = "/tmp" } }
  container          = merge({ image = "${module.cluster.repository_url}:${var.image_tag}", secrets = local.secrets }, each.value.container)
}

# The webserver behind the load balancer, and the daemon, a singleton (one run queue, one set of
# sensors). Both start after the run task definition exists: the run launcher resolves it.
module "service" {
  source = "../ecs_service"
  for_each = {
    webserver = { singleton = false, load_balancer = { target_group_arn = aws_lb_target_group.webserver.arn, container_name = "webserver", container_port = 3000, grace_period_seconds = 180 } }
    daemon    = { singleton = true, load_balancer = null }
  }

  name                = "${local.cluster_name}-${each.key}"
  cluster_id          = module.cluster.id
  task_definition_arn = module.task[each.key].arn
  subnet_ids          = var.network.subnet_ids
  security_group_ids  = [module.tasks_security_group.id]
  singleton           = each.value.singleton
  load_balancer       = each.value.load_balancer

  depends_on = [module.task, aws_lb_listener.https]
}
