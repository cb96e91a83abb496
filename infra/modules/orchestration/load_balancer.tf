################################################################################
# Internal load balancer for the webserver (HTTPS only)
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Internal-only UI reachable from allowed_cidrs; ALB access logs need an SSE-S3 bucket outside the KMS-only design. Enable with an access_logs block if an audit requires it.
  name                       = local.cluster_name
  internal                   = true
  load_balancer_type         = "application"
  subnets                    = var.network.subnet_ids
  security_groups            = [module.alb_security_group.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 120
}

resource "aws_lb_target_group" "webserver" {
  # TLS ends at the internal load balancer; the hop to the webserver stays in the private subnets.
  name                 = "${local.cluster_name}-web"
  port                 = 3000
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.network.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/server_info"
    matcher             = "200"
    interval            = 30
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  # Every request signs in first (Cognito hosted UI, MFA); the webserver itself has no login.
  default_action {
    type  = "authenticate-cognito"
    order = 1

    authenticate_cognito {
      user_pool_arn              = aws_cognito_user_pool.ui.arn
      user_pool_client_id        = aws_cognito_user_pool_client.ui.id
      user_pool_domain           = aws_cognito_user_pool_domain.ui.domain
      on_unauthenticated_request = "authenticate"
      session_timeout            = 12 * 3600
    }
  }

  default_action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.webserver.arn
  }
}

################################################################################
# UI sign-in: a Cognito user pool (admin-created users, MFA) checked by the load balancer
################################################################################

resource "aws_cognito_user_pool" "ui" {
  name                     = "${local.cluster_name}-ui"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "ON"
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  software_token_mfa_configuration {
    enabled = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_domain" "ui" {
  domain       = "${local.cluster_name}-${module.aws.account_id}"
  user_pool_id = aws_cognito_user_pool.ui.id
}

resource "aws_cognito_user_pool_client" "ui" {
  name                                 = "${local.cluster_name}-alb"
  user_pool_id                         = aws_cognito_user_pool.ui.id
  generate_secret                      = true # the load balancer is a confidential client
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = ["https://${var.ui_hostname}/oauth2/idpresponse"]
  prevent_user_existence_errors        = "ENABLED"
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
}
