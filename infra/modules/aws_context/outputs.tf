output "region" {
  description = "Region of the provider (e.g. eu-west-1)."
  value       = data.aws_region.current.id
}

output "account_id" {
  description = "Account the resources are made in."
  value       = data.aws_caller_identity.current.account_id
}

output "partition" {
  description = "Partition of the region's ARNs (aws, aws-cn, aws-us-gov)."
  value       = data.aws_partition.current.partition
}
