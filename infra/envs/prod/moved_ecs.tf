# ECS pieces written once (issue #12, duplicate code): the producer's and Dagster's cluster, log
# group, image repository and execution role from modules/ecs_cluster, every task definition from
# modules/ecs_task and every service from modules/ecs_service. Chains with moved.tf (an address
# moved there to module.<m>.module.ecr / .execution_role moves on from there).

moved {
  from = module.producer.aws_ecs_cluster.this
  to   = module.producer.module.cluster.aws_ecs_cluster.this
}

moved {
  from = module.producer.aws_cloudwatch_log_group.this
  to   = module.producer.module.cluster.aws_cloudwatch_log_group.this
}

moved {
  from = module.producer.module.ecr
  to   = module.producer.module.cluster.module.ecr
}

moved {
  from = module.producer.module.execution_role
  to   = module.producer.module.cluster.module.execution_role
}

moved {
  from = module.producer.aws_ecs_task_definition.this
  to   = module.producer.module.task.aws_ecs_task_definition.this
}

moved {
  from = module.producer.aws_ecs_service.this
  to   = module.producer.module.service.aws_ecs_service.this
}

moved {
  from = module.orchestration.aws_ecs_cluster.this
  to   = module.orchestration.module.cluster.aws_ecs_cluster.this
}

moved {
  from = module.orchestration.aws_cloudwatch_log_group.dagster
  to   = module.orchestration.module.cluster.aws_cloudwatch_log_group.this
}

moved {
  from = module.orchestration.module.ecr
  to   = module.orchestration.module.cluster.module.ecr
}

moved {
  from = module.orchestration.module.execution_role
  to   = module.orchestration.module.cluster.module.execution_role
}

moved {
  from = module.orchestration.aws_ecs_task_definition.webserver
  to   = module.orchestration.module.task["webserver"].aws_ecs_task_definition.this
}

moved {
  from = module.orchestration.aws_ecs_task_definition.daemon
  to   = module.orchestration.module.task["daemon"].aws_ecs_task_definition.this
}

moved {
  from = module.orchestration.aws_ecs_task_definition.run
  to   = module.orchestration.module.task["run"].aws_ecs_task_definition.this
}

moved {
  from = module.orchestration.aws_ecs_task_definition.kafka_admin
  to   = module.orchestration.module.task["kafka_admin"].aws_ecs_task_definition.this
}

moved {
  from = module.orchestration.aws_ecs_service.webserver
  to   = module.orchestration.module.service["webserver"].aws_ecs_service.this
}

moved {
  from = module.orchestration.aws_ecs_service.daemon
  to   = module.orchestration.module.service["daemon"].aws_ecs_service.this
}
