# The AWS provider as the `terraform test` files mock it (no account, no network): data sources
# that would call AWS, and the ARNs the provider validates where other resources use them.
# Shared by envs/prod and modules/emr_serverless (mock_provider "aws" { source = ... }).

mock_data "aws_region" {
  defaults = { id = "eu-west-1", name = "eu-west-1" }
}
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
mock_data "aws_availability_zones" {
  defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
}
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}

# ARNs the provider validates where other resources use them.
mock_resource "aws_db_instance" {
  defaults = {
    master_user_secret = [{
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-mock"
      kms_key_id    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      secret_status = "active"
    }]
  }
}
mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}
mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:mock" }
}
mock_resource "aws_msk_configuration" {
  defaults = { arn = "arn:aws:kafka:eu-west-1:123456789012:configuration/mock/00000000-0000-0000-0000-000000000000-1" }
}
mock_resource "aws_msk_cluster" {
  defaults = { arn = "arn:aws:kafka:eu-west-1:123456789012:cluster/wikistream-prod/00000000-0000-0000-0000-000000000000-1" }
}
mock_resource "aws_cognito_user_pool" {
  defaults = { arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_mock" }
}
mock_resource "aws_lb_target_group" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mock/0000000000000000" }
}
mock_resource "aws_lb" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0000000000000000" }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
}
mock_resource "aws_s3tables_table_bucket" {
  defaults = { arn = "arn:aws:s3tables:eu-west-1:123456789012:bucket/wikistream-prod-tables" }
}
mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::wikistream-prod-artifacts-123456789012" }
}
mock_resource "aws_emrserverless_application" {
  defaults = { arn = "arn:aws:emr-serverless:eu-west-1:123456789012:/applications/00mock" }
}
mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/mock" }
}
mock_resource "aws_ecs_task_definition" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1" }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mock" }
}
mock_resource "aws_efs_file_system" {
  defaults = { arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-mock" }
}
mock_resource "aws_efs_access_point" {
  defaults = { arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-mock" }
}
mock_resource "aws_ecr_repository" {
  defaults = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/mock" }
}
