# The key policy as AWS receives it, rendered by the real AWS provider (aws_iam_policy_document is
# computed locally: fake credentials, no account, no network). Run by tests/infra/test_terraform.py.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = data.aws_partition.current
  values = { partition = "aws" }
}

override_data {
  target = data.aws_region.current
  values = { id = "eu-west-1", name = "eu-west-1" }
}

variables {
  description = "wikistream-prod-dagster: logs, run storage, secrets, images"
  alias       = "wikistream-prod-dagster"
}

run "log_groups_made_here" {
  command = plan

  variables {
    log_groups = { sid = "DagsterAndDatabaseLogs", create = { containers = "/wikistream-prod/dagster", postgresql = "/aws/rds/instance/wikistream-prod-dagster/postgresql" }, retention_in_days = 30 }
  }

  assert {
    condition     = aws_cloudwatch_log_group.this["containers"].name == "/wikistream-prod/dagster" && aws_cloudwatch_log_group.this["postgresql"].retention_in_days == 30 && length(aws_cloudwatch_log_group.this) == 2
    error_message = "The groups in log_groups.create are made here, with their retention."
  }

  assert {
    condition = jsondecode(data.aws_iam_policy_document.this.json).Statement[0] == {
      Sid       = "AccountAdministration", Effect = "Allow", Action = "kms:*", Resource = "*"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
    }
    error_message = "The account root administers the key, and only it gets kms:*."
  }
  assert {
    condition = jsondecode(data.aws_iam_policy_document.this.json).Statement[1] == {
      Sid       = "DagsterAndDatabaseLogs", Effect = "Allow", Resource = "*"
      Action    = ["kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Encrypt*", "kms:Describe*", "kms:Decrypt*"]
      Principal = { Service = "logs.eu-west-1.amazonaws.com" }
      Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/wikistream-prod/dagster",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/wikistream-prod-dagster/postgresql",
      ] } }
    }
    error_message = "CloudWatch Logs may use the key only for the groups made here."
  }
  assert {
    condition     = length(jsondecode(data.aws_iam_policy_document.this.json).Statement) == 2
    error_message = "No statement beyond the account and the logs service."
  }
  assert {
    condition = (
      aws_kms_key.this.enable_key_rotation && aws_kms_key.this.deletion_window_in_days == 30
      && aws_kms_alias.this.name == "alias/wikistream-prod-dagster"
    )
    error_message = "Rotation on, 30-day deletion window, alias/<alias>."
  }
}

run "service_grants" {
  command = plan

  variables {
    grants = [
      {
        sid       = "S3TablesMaintenance"
        service   = "maintenance.s3tables.amazonaws.com"
        actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
        condition = { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["arn:aws:s3tables:eu-west-1:123456789012:bucket/t/*"] }
      },
      {
        sid     = "CloudWatchAlarmsPublishEncrypted"
        service = "cloudwatch.amazonaws.com"
        actions = ["kms:Decrypt", "kms:GenerateDataKey*"]
      },
    ]
  }

  assert {
    condition = slice(jsondecode(data.aws_iam_policy_document.this.json).Statement, 1, 3) == [
      {
        Sid       = "S3TablesMaintenance", Effect = "Allow", Resource = "*"
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Principal = { Service = "maintenance.s3tables.amazonaws.com" }
        Condition = { StringLike = { "kms:EncryptionContext:aws:s3:arn" = "arn:aws:s3tables:eu-west-1:123456789012:bucket/t/*" } }
      },
      {
        Sid       = "CloudWatchAlarmsPublishEncrypted", Effect = "Allow", Resource = "*"
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Principal = { Service = "cloudwatch.amazonaws.com" }
      },
    ]
    error_message = "Each service gets its own statement, with its condition only where one is given."
  }
  assert {
    condition     = length(jsondecode(data.aws_iam_policy_document.this.json).Statement) == 3
    error_message = "No logs statement without log_groups."
  }
}
