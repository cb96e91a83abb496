variable "name" {
  description = "Name prefix for every resource (e.g. wikistream-prod)."
  type        = string
}

variable "cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to spread the subnets over (MSK needs at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "availability_zones" {
  description = "Zone names to use (default: the region's zones a, b and c); the first az_count are used."
  type        = list(string)
  default     = []
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = true
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints instead of the NAT gateway."
  type        = list(string)
  default     = ["s3tables", "logs", "monitoring", "sts"]
}

variable "log_retention_days" {
  description = "Retention of the log groups made here (the root's log_retention_days)."
  type        = number
}

