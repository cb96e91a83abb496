# Where the caller runs: region, account and partition, the parts of every ARN a module builds
# before the resource exists (or without naming it, to avoid a cycle). Data only: no resources.
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
