# State addresses that changed when repeated blocks became one definition (issue #12): Terraform
# moves the existing objects to their new addresses instead of destroying and re-creating them.
# Every module's KMS key and alias now come from the internal kms_key module.
# Drop these blocks once every deployment has applied them (moved blocks are safe to keep).

moved {
  from = module.network.aws_kms_key.this
  to   = module.network.module.kms.aws_kms_key.this
}

moved {
  from = module.network.aws_kms_alias.this
  to   = module.network.module.kms.aws_kms_alias.this
}

moved {
  from = module.msk.aws_kms_key.this
  to   = module.msk.module.kms.aws_kms_key.this
}

moved {
  from = module.msk.aws_kms_alias.this
  to   = module.msk.module.kms.aws_kms_alias.this
}

moved {
  from = module.lakehouse.aws_kms_key.this
  to   = module.lakehouse.module.kms.aws_kms_key.this
}

moved {
  from = module.lakehouse.aws_kms_alias.this
  to   = module.lakehouse.module.kms.aws_kms_alias.this
}

moved {
  from = module.emr_serverless.aws_kms_key.this
  to   = module.emr_serverless.module.kms.aws_kms_key.this
}

moved {
  from = module.emr_serverless.aws_kms_alias.this
  to   = module.emr_serverless.module.kms.aws_kms_alias.this
}

moved {
  from = module.producer.aws_kms_key.this
  to   = module.producer.module.kms.aws_kms_key.this
}

moved {
  from = module.producer.aws_kms_alias.this
  to   = module.producer.module.kms.aws_kms_alias.this
}

moved {
  from = module.orchestration.aws_kms_key.this
  to   = module.orchestration.module.kms.aws_kms_key.this
}

moved {
  from = module.orchestration.aws_kms_alias.this
  to   = module.orchestration.module.kms.aws_kms_alias.this
}

moved {
  from = module.monitoring.aws_kms_key.this
  to   = module.monitoring.module.kms.aws_kms_key.this
}

moved {
  from = module.monitoring.aws_kms_alias.this
  to   = module.monitoring.module.kms.aws_kms_alias.this
}
