output "table_bucket_arn" {
  description = "ARN of the S3 Tables table bucket: the Iceberg warehouse (WIKISTREAM_TABLE_BUCKET_ARN)."
  value       = aws_s3tables_table_bucket.this.arn
}

output "table_bucket_name" {
  description = "Name of the S3 Tables table bucket."
  value       = aws_s3tables_table_bucket.this.name
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

output "artifacts_bucket_name" {
  description = "Bucket for job code, jars, checkpoints and logs (WIKISTREAM_ARTIFACTS_BUCKET)."
  value       = aws_s3_bucket.artifacts.id
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the tables and the artifacts; readers and writers need kms:Decrypt/GenerateDataKey on it."
  value       = module.kms.arn
}
