# The EMR Serverless module against a mocked AWS provider: the job role, the workers' network
# and the capacity derived from spark_sizing.json. Run by tests/infra/test_terraform.py.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  name               = "wikistream-prod"
  log_group_name     = "/aws/emr-serverless/wikistream"
  log_retention_days = 365
  network = {
    vpc_id            = "vpc-0mock"
    vpc_cidr          = "10.40.0.0/16"
    subnet_ids        = ["subnet-a", "subnet-b", "subnet-c"]
    s3_prefix_list_id = "pl-0mock"
  }
  lakehouse = {
    artifacts_bucket_arn = "arn:aws:s3:::wikistream-prod-artifacts-123456789012"
    table_bucket_arn     = "arn:aws:s3tables:eu-west-1:123456789012:bucket/wikistream-prod-tables"
    kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  }
  kafka = {
    cluster_arn      = "arn:aws:kafka:eu-west-1:123456789012:cluster/wikistream-prod/uuid-1"
    group_arn_prefix = "arn:aws:kafka:eu-west-1:123456789012:group/wikistream-prod/uuid-1"
    egress_rule      = { description = "Kafka SASL/IAM over TLS to the MSK brokers", port = 9098, peer = "sg-0brokers" }
    topic_arns = {
      raw-events = "arn:aws:kafka:eu-west-1:123456789012:topic/wikistream-prod/uuid-1/raw-events"
      dlq-events = "arn:aws:kafka:eu-west-1:123456789012:topic/wikistream-prod/uuid-1/dlq-events"
    }
  }
  sizing = jsondecode(file("../../../wikistream_dagster/deployment/spark_sizing.json"))
}

run "job_role_network_and_capacity" {
  command = apply # in memory, mocked

  # Spark's DLQ writer (kafka-clients, idempotent by default) needs WriteDataIdempotently.
  assert {
    condition = anytrue([
      for s in module.job_role.statements :
      contains(s.actions, "kafka-cluster:WriteDataIdempotently") && s.resources == [var.kafka.cluster_arn]
    ])
    error_message = "The job role lacks kafka-cluster:WriteDataIdempotently on the cluster."
  }
  assert {
    condition = anytrue([
      for s in module.job_role.statements :
      contains(s.actions, "kafka-cluster:WriteData") && s.resources == [var.kafka.topic_arns["dlq-events"]]
    ])
    error_message = "The job role writes only the dlq-events topic."
  }
  # EMR Serverless logging with the job role: find the group, create streams, put events.
  assert {
    condition = alltrue([
      for action in ["logs:DescribeLogGroups", "logs:CreateLogStream", "logs:PutLogEvents"] :
      anytrue([for s in module.job_role.statements : contains(s.actions, action)])
    ])
    error_message = "The job role lacks the CloudWatch Logs permissions EMR Serverless needs."
  }
  assert {
    condition     = module.kms.log_groups.jobs.name == "/aws/emr-serverless/wikistream" && output.application.log_group_name == module.kms.log_groups.jobs.name
    error_message = "The log group must be the one the StartJobRun request names."
  }

  # Workers: private subnets, no ingress, egress 443 (VPC endpoints, S3) and 9098 (MSK brokers) only.
  assert {
    condition     = tolist(aws_emrserverless_application.this.network_configuration[0].subnet_ids) == tolist(var.network.subnet_ids)
    error_message = "Workers run in the given private subnets."
  }
  assert {
    condition = (
      module.security_group.rules.egress["https_vpc"].from_port == 443 && module.security_group.rules.egress["https_s3"].to_port == 443
      && module.security_group.rules.egress["https_s3"].prefix_list_id == var.network.s3_prefix_list_id
      && module.security_group.rules.egress["kafka"].from_port == 9098 && module.security_group.rules.egress["kafka"].referenced_security_group_id == "sg-0brokers"
      && length(module.security_group.rules.egress) == 3
    )
    error_message = "Worker egress is 443 inside the VPC and to S3's prefix list, 9098 to the brokers."
  }

  # Capacity from spark_sizing.json: 2 vCPU / 8 GB workers; bronze 1+2, medallion 1+3,
  # maintenance 1+2 at their ceilings = 10 workers.
  assert {
    condition = (
      aws_emrserverless_application.this.maximum_capacity[0].cpu == "${output.capacity.maximum.cpu} vCPU"
      && output.capacity.maximum.cpu == (1 + 2) * 2 + (1 + 3) * 2 + (1 + 2) * 2
      && output.capacity.maximum.memory_gb == 10 * 8
    )
    error_message = "Maximum capacity must be bronze + the largest medallion job + maintenance."
  }
  assert {
    condition = (
      length(aws_emrserverless_application.this.initial_capacity) == 2
      && output.capacity.initial.Driver.count == 1 && output.capacity.initial.Executor.count == 1
      && output.capacity.initial.Executor.memory_gb == 8
    )
    error_message = "Pre-initialized: bronze's driver and its initial executor, in the jobs' worker size."
  }
}

run "no_prewarm" {
  command = plan

  variables {
    prewarm = false
  }

  assert {
    condition     = length(aws_emrserverless_application.this.initial_capacity) == 0
    error_message = "prewarm = false keeps no workers."
  }
}
