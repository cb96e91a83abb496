#!/usr/bin/env bash
# Run one ECS Fargate task to completion and fail unless its container exited 0.
# Used by the env root's kafka_topics step to run `wikistream kafka create-topics --msk-iam`
# inside the VPC. Needs the AWS CLI v2 and credentials that may run the task and pass its roles.
#   AWS_REGION, CLUSTER, TASK_DEFINITION: where and what to run
#   SUBNETS, SECURITY_GROUPS: comma-separated ids for awsvpc networking (no public IP)
set -euo pipefail

: "${AWS_REGION:?set AWS_REGION}" "${CLUSTER:?set CLUSTER}" "${TASK_DEFINITION:?set TASK_DEFINITION}"
: "${SUBNETS:?set SUBNETS}" "${SECURITY_GROUPS:?set SECURITY_GROUPS}"
command -v aws >/dev/null 2>&1 || { echo "run-ecs-task: the AWS CLI is required" >&2; exit 1; }

ecs() { aws ecs --region "$AWS_REGION" "$@"; }

task_arn=$(ecs run-task \
  --cluster "$CLUSTER" \
  --task-definition "$TASK_DEFINITION" \
  --launch-type FARGATE \
  --network-configuration "awsvpcConfiguration={subnets=[$SUBNETS],securityGroups=[$SECURITY_GROUPS],assignPublicIp=DISABLED}" \
  --query 'tasks[0].taskArn' --output text)

if [ -z "$task_arn" ] || [ "$task_arn" = "None" ]; then
  echo "run-ecs-task: ECS started no task for $TASK_DEFINITION" >&2
  exit 1
fi
echo "run-ecs-task: started $task_arn, waiting for it to stop" >&2

ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$task_arn"

exit_code=$(ecs describe-tasks --cluster "$CLUSTER" --tasks "$task_arn" \
  --query 'tasks[0].containers[0].exitCode' --output text)
if [ "$exit_code" != "0" ]; then
  reason=$(ecs describe-tasks --cluster "$CLUSTER" --tasks "$task_arn" \
    --query 'tasks[0].stoppedReason' --output text)
  echo "run-ecs-task: $task_arn exited with '$exit_code' ($reason); see its CloudWatch logs" >&2
  exit 1
fi
echo "run-ecs-task: $task_arn succeeded" >&2
