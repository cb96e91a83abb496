locals {
  # Every bucket, file system and topic policy of the project refuses requests not made over TLS.
  deny_insecure_transport = var.deny_insecure_transport == null ? [] : [{
    sid        = "DenyInsecureTransport"
    effect     = "Deny"
    actions    = var.deny_insecure_transport.actions
    resources  = var.deny_insecure_transport.resources
    principals = [{ type = "AWS", identifiers = ["*"] }]
    condition  = [{ test = "Bool", variable = "aws:SecureTransport", values = ["false"] }]
  }]
}

# An IAM policy document from the caller's statements (which stay next to what they grant); a
# statement whose resources are an empty list (e.g. the secrets of a cluster that has none) is
# left out.
data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = [for s in concat(var.statements, local.deny_insecure_transport) : s if length(s.resources) > 0]

    content {
      sid       = statement.value.sid
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "principals" {
        for_each = statement.value.principals

        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }

      dynamic "condition" {
        for_each = statement.value.condition

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}
