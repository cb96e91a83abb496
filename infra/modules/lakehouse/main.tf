module "aws" {
  source = "../aws_context"
}

locals {
  table_bucket_name = "${var.name}-tables"
  # Built from the name (not the resource) so the key policy can name it without a cycle.
  table_bucket_arn = "arn:${module.aws.partition}:s3tables:${module.aws.region}:${module.aws.account_id}:bucket/${local.table_bucket_name}"

  artifacts_bucket_name = "${var.name}-artifacts-${module.aws.account_id}"

  # Tables the Spark jobs create (CREATE TABLE IF NOT EXISTS), by namespace: its keys are the
  # namespaces made below (the medallion layers). Their schemas belong to the jobs
  # (wikistream_dagster/spark_jobs/tables.py, ALL_TABLES), so Terraform does not manage them.
  # tests/infra checks this list against the code's.
  tables = {
    bronze = ["wiki_events"]
    silver = [
      "wiki_events_cleaned", "quality_history", "quarantine", "page_state", "hidden_revisions",
      "redactions",
    ]
    gold = ["hourly_edit_stats", "entity_trends", "entity_hourly", "risk_scores", "editor_risk"]
  }
}

################################################################################
# Encryption key: artifacts bucket, table bucket (with S3 Tables maintenance)
################################################################################

module "kms" {
  source = "../kms_key"

  description = "${var.name} lakehouse: Iceberg tables and job artifacts"
  alias       = "${var.name}-lakehouse"
  grants = [{
    sid       = "S3TablesMaintenance"
    service   = "maintenance.s3tables.amazonaws.com"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    condition = { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["${local.table_bucket_arn}/*"] }
  }]
}

################################################################################
# S3 Tables: the Iceberg catalog (REST endpoint https://s3tables.REGION.amazonaws.com/iceberg)
################################################################################

resource "aws_s3tables_table_bucket" "this" {
  name = local.table_bucket_name

  encryption_configuration = {
    sse_algorithm = "aws:kms"
    kms_key_arn   = module.kms.arn
  }

  maintenance_configuration = {
    iceberg_unreferenced_file_removal = {
      status = "enabled"
      settings = {
        unreferenced_days = var.unreferenced_days
        non_current_days  = var.noncurrent_days
      }
    }
  }

  # No force_destroy (AWS provider 6.x only): delete the tables before destroying the bucket.
}

resource "aws_s3tables_namespace" "this" {
  for_each = toset(keys(local.tables))

  namespace        = each.key
  table_bucket_arn = aws_s3tables_table_bucket.this.arn
}

################################################################################
# Artifacts bucket: job code, jars, packed Python environment, checkpoints, logs
################################################################################

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_144:Cross-region replication not needed: code and jars are rebuilt from git, streaming checkpoints are only valid next to the tables of this region.
  #checkov:skip=CKV_AWS_18:Server access logging would add a second bucket for a private, IAM-only bucket; S3 data events in CloudTrail are the audit trail if one is required.
  #checkov:skip=CKV2_AWS_62:No consumer for S3 event notifications: Dagster and EMR poll the objects they wrote.
  bucket        = local.artifacts_bucket_name
  force_destroy = var.force_destroy

  # The longer of the two bucket names (the table bucket's is <name>-tables).
  lifecycle {
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", local.artifacts_bucket_name))
      error_message = "Bucket name ${local.artifacts_bucket_name} is not a valid S3 bucket name (3-63 lowercase letters, digits or hyphens): shorten the project or environment name."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.kms.arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "expire-job-logs"
    status = "Enabled"

    filter {
      prefix = "logs/"
    }

    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }

    expiration {
      days = var.log_expiration_days
    }
  }

  rule {
    id     = "expire-scratch"
    status = "Enabled"

    filter {
      prefix = "tmp/"
    }

    expiration {
      days = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

module "artifacts_policy" {
  source = "../policy_document"

  deny_insecure_transport = { actions = ["s3:*"], resources = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"] }
}

resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = module.artifacts_policy.json

  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}
