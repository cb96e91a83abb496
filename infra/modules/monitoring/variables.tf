variable "name" {
  description = "Name prefix of the topic, alarms and dashboard."
  type        = string
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alerts topic (each must confirm the subscription)."
  type        = list(string)
  default     = []
}

variable "msk_cluster_name" {
  description = "Name of the MSK cluster."
  type        = string
}

variable "raw_topic" {
  description = "Topic the producer writes valid events to."
  type        = string
  default     = "raw-events"
}

variable "dlq_topic" {
  description = "Dead-letter topic."
  type        = string
  default     = "dlq-events"
}

variable "emr" {
  description = "The emr_serverless module's `application`: its id and name (the ApplicationId and ApplicationName dimensions of its metrics)."
  type        = object({ id = string, name = string })
}

variable "ecs_services" {
  description = "ECS services that must always run one task, by display name."
  type = map(object({
    cluster_name = string
    service_name = string
  }))
}

variable "db_instance_id" {
  description = "Identifier of Dagster's RDS instance."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the metrics the Dagster bronze sensor publishes (BronzeKafkaLag, BronzeRowsAdded)."
  type        = string
  default     = "WikiStream"
}

variable "min_events_per_second" {
  description = "Alarm when raw-events receives fewer messages per second than this for 15 minutes (the live stream averages ~30/s)."
  type        = number
  default     = 1
}

variable "max_dlq_events_per_second" {
  description = "Alarm when dlq-events receives more messages per second than this for 15 minutes."
  type        = number
  default     = 1
}

variable "max_bronze_lag" {
  description = "Alarm when bronze is more than this many events behind raw-events for 15 minutes."
  type        = number
  default     = 100000
}

