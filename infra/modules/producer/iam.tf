################################################################################
# IAM: execution role (pull image, write logs) and task role (MSK write, EFS)
################################################################################

module "execution_role" {
  source = "../iam_role"

  name    = "${local.service_name}-execution"
  service = "ecs-tasks.amazonaws.com"
  policy  = { name = "pull-image-write-logs", json = data.aws_iam_policy_document.execution.json }

  tags = local.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [module.ecr.arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "DecryptImageLayers"
    actions   = ["kms:Decrypt"]
    resources = [module.kms.arn]
  }
}

module "task_role" {
  source = "../iam_role"

  name    = "${local.service_name}-task"
  service = "ecs-tasks.amazonaws.com"
  policy  = { name = "produce-to-msk", json = data.aws_iam_policy_document.task.json }

  tags = local.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "KafkaCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid       = "WriteTopics"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
    resources = var.topic_arns
  }

  statement {
    sid       = "MountState"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.state.arn]

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.state.arn]
    }
  }
}

