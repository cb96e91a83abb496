# What every Fargate service of the project shares: an ECS cluster with Container Insights, the
# image repository its containers run from, and the execution role the ECS agent pulls the image,
# writes the logs (to the caller's log group, made with its key by kms_key) and reads the task
# secrets with. All of it is encrypted with the caller's key (kms_key_arn).

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

module "ecr" {
  source = "../ecr_repository"

  name        = var.name
  kms_key_arn = var.kms_key_arn
}

# Image layers, log events and secrets are all encrypted with the caller's key; a cluster
# without secrets gets no TaskSecrets statement (policy_document leaves out empty ones).
module "execution_role" {
  source = "../iam_role"

  name    = "${var.name}-execution"
  service = "ecs-tasks.amazonaws.com"

  policy = {
    name = length(var.secret_arns) > 0 ? "pull-image-read-secret" : "pull-image-write-logs"
    statements = [
      { sid = "EcrLogin", actions = ["ecr:GetAuthorizationToken"], resources = ["*"] },
      { sid = "PullImage", actions = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], resources = [module.ecr.arn] },
      { sid = "WriteLogs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["${var.log_group.arn}:*"] },
      { sid = "TaskSecrets", actions = ["secretsmanager:GetSecretValue"], resources = var.secret_arns },
      { sid = "DecryptWithModuleKey", actions = ["kms:Decrypt"], resources = [var.kms_key_arn] },
    ]
  }
}
