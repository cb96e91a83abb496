output "network" {
  description = "What every module in the VPC takes as its `network` input (each declares the attributes it reads): the VPC's id and CIDR, the private subnets (one per AZ), their CIDRs and zones, the S3 gateway endpoint's prefix list."
  value = {
    vpc_id            = aws_vpc.this.id
    vpc_cidr          = aws_vpc.this.cidr_block
    subnet_ids        = aws_subnet.private[*].id
    subnet_cidrs      = aws_subnet.private[*].cidr_block
    azs               = local.azs
    s3_prefix_list_id = aws_vpc_endpoint.s3.prefix_list_id
  }
}

output "nat_public_ips" {
  description = "Public IPs the producer's requests to Wikimedia come from."
  value       = aws_eip.nat[*].public_ip
}
