output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones the subnets are in."
  value       = local.azs
}

output "private_subnet_ids" {
  description = "Private subnets (one per AZ) for MSK, EMR Serverless, ECS tasks, RDS and the internal ALB."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = aws_subnet.private[*].cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (NAT gateways only)."
  value       = aws_subnet.public[*].id
}

output "nat_public_ips" {
  description = "Public IPs the producer's requests to Wikimedia come from."
  value       = aws_eip.nat[*].public_ip
}

output "s3_prefix_list_id" {
  description = "Prefix list of the S3 gateway endpoint, for security group egress rules."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}
