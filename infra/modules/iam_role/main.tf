data "aws_caller_identity" "current" {}

# Only the named service may assume the role, only on behalf of this account (and of the given
# resources, where the service says which one acts): no confused deputy.
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [var.service]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    dynamic "condition" {
      for_each = length(var.source_arns) > 0 ? [var.source_arns] : []

      content {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  description        = var.description
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

module "policy" {
  source = "../policy_document"
  count  = var.policy == null ? 0 : 1

  statements = var.policy.statements
}

resource "aws_iam_role_policy" "this" {
  count = var.policy == null ? 0 : 1

  name   = var.policy.name
  role   = aws_iam_role.this.id
  policy = module.policy[0].json
}

resource "aws_iam_role_policy_attachment" "this" {
  count = var.managed_policy_arn == null ? 0 : 1

  role       = aws_iam_role.this.name
  policy_arn = var.managed_policy_arn
}
