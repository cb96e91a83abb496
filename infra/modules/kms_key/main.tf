data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # CloudWatch Logs may use the key only for the log groups named (encryption context).
  logs_grant = var.log_groups == null ? [] : [{
    sid       = var.log_groups.sid
    service   = "logs.${data.aws_region.current.id}.amazonaws.com"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    condition = { test = "ArnLike", variable = "kms:EncryptionContext:aws:logs:arn", values = [for name in values(var.log_groups.create) : "${local.log_group_arn}:${name}"] }
  }]
  grants        = concat(local.logs_grant, var.grants)
  log_group_arn = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:log-group"
}

# The account administers the key (the AWS default, which delegates access to IAM policies); each
# service principal gets only the actions it names, under a condition where the service has one.
data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_109:Key policy: "*" is this key itself, and kms:* for the account root is the AWS default that delegates access to IAM policies.
  #checkov:skip=CKV_AWS_111:Key policy: "*" is this key itself; writes are limited to the account root and the one service principal named, under an encryption-context condition where the service supports it.
  #checkov:skip=CKV_AWS_356:Key policy: a key policy can only name its own key as "*".
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = local.grants

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      dynamic "condition" {
        for_each = statement.value.condition == null ? [] : [statement.value.condition]

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.this.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}

# The log groups the key encrypts that the caller has made here: retention always set, never kept
# forever.
resource "aws_cloudwatch_log_group" "this" {
  for_each = var.log_groups == null ? {} : var.log_groups.create

  name              = each.value
  retention_in_days = var.log_groups.retention_in_days
  kms_key_id        = aws_kms_key.this.arn
}
