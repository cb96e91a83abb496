# Plans the lakehouse against the mocked AWS provider (account 123456789012 from its mock of
# aws_caller_identity). Run by tests/infra/test_terraform.py.

mock_provider "aws" {
  source = "../../testing/aws"
}

run "bucket_names" {
  command = plan

  variables {
    name = "wikistream-prod"
  }

  assert {
    condition     = aws_s3_bucket.artifacts.bucket == "wikistream-prod-artifacts-123456789012" && aws_s3tables_table_bucket.this.name == "wikistream-prod-tables"
    error_message = "The buckets are <name>-artifacts-<account id> and <name>-tables."
  }
}

# A name of 41 characters makes an artifacts bucket name of 64 (S3 allows 63).
run "bucket_names_too_long_are_refused" {
  command = plan

  variables {
    name = "wikistream-with-a-long-project-names-prod"
  }

  expect_failures = [aws_s3_bucket.artifacts]
}
