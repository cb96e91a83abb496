################################################################################
# IAM: task role (MSK write, EFS); the execution role is the cluster's (ecs_cluster)
################################################################################

module "task_role" {
  source = "../iam_role"

  name    = "${local.service_name}-task"
  service = "ecs-tasks.amazonaws.com"

  policy = {
    name = "produce-to-msk"
    statements = [
      {
        sid       = "KafkaCluster"
        actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
        resources = [var.kafka.cluster_arn]
      },
      { sid = "WriteTopics", actions = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], resources = values(var.kafka.topic_arns) },
      {
        sid       = "MountState"
        actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
        resources = [aws_efs_file_system.state.arn]
        condition = [{ test = "StringEquals", variable = "elasticfilesystem:AccessPointArn", values = [aws_efs_access_point.state.arn] }]
      },
    ]
  }
}

