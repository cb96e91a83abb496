################################################################################
# Resume state: encrypted EFS, so the last acknowledged SSE id survives task replacement
################################################################################

resource "aws_efs_file_system" "state" {
  encrypted        = true
  kms_key_id       = module.kms.arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  tags = { Name = "${local.service_name}-state" }
}

resource "aws_efs_backup_policy" "state" {
  file_system_id = aws_efs_file_system.state.id

  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_mount_target" "state" {
  count = length(var.network.subnet_ids)

  file_system_id  = aws_efs_file_system.state.id
  subnet_id       = var.network.subnet_ids[count.index]
  security_groups = [module.efs_security_group.id]
}

resource "aws_efs_access_point" "state" {
  file_system_id = aws_efs_file_system.state.id

  posix_user {
    uid = var.state_uid
    gid = var.state_uid
  }

  root_directory {
    path = "/producer"

    creation_info {
      owner_uid   = var.state_uid
      owner_gid   = var.state_uid
      permissions = "0750"
    }
  }
}

module "efs_policy" {
  source = "../policy_document"

  statements = [
    {
      sid        = "ProducerMountsThroughItsAccessPoint"
      actions    = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
      resources  = [aws_efs_file_system.state.arn]
      principals = [{ type = "AWS", identifiers = [module.task_role.arn] }]
      condition  = [{ test = "StringEquals", variable = "elasticfilesystem:AccessPointArn", values = [aws_efs_access_point.state.arn] }]
    },
  ]

  deny_insecure_transport = { actions = ["*"], resources = [aws_efs_file_system.state.arn] }
}

resource "aws_efs_file_system_policy" "state" {
  file_system_id = aws_efs_file_system.state.id
  policy         = module.efs_policy.json
}
