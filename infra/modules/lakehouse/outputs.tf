output "buckets" {
  description = "What Spark and Dagster need to reach the lakehouse (the `lakehouse` input of emr_serverless and orchestration): the S3 Tables table bucket's ARN, the Iceberg warehouse (WIKISTREAM_TABLE_BUCKET_ARN); the artifacts bucket's name (WIKISTREAM_ARTIFACTS_BUCKET) and ARN (job code, jars, checkpoints, logs); the KMS key encrypting both, on which readers and writers need kms:Decrypt/GenerateDataKey."
  value = {
    table_bucket_arn      = aws_s3tables_table_bucket.this.arn
    artifacts_bucket_name = aws_s3_bucket.artifacts.id
    artifacts_bucket_arn  = aws_s3_bucket.artifacts.arn
    kms_key_arn           = module.kms.arn
  }
}

output "namespaces" {
  description = "Iceberg namespaces created in the table bucket."
  value       = sort([for ns in aws_s3tables_namespace.this : ns.namespace])
}

output "tables" {
  description = "Tables the Spark jobs create, by namespace."
  value       = local.tables
}

output "iceberg_rest_uri" {
  description = "S3 Tables Iceberg REST endpoint (SigV4 signing name s3tables, warehouse = table bucket ARN)."
  value       = "https://s3tables.${module.aws.region}.amazonaws.com/iceberg"
}
