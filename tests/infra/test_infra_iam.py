"""Least privilege: every policy is a policy document of this repo, scoped to the project's own
resources; "*" only where AWS has no resource-level permission, and documented."""

import re

import pytest

from tests.infra.infra_hcl import has

# Actions that accept no resource ARN (documented in the module READMEs).
STAR_OK = {"ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "cloudwatch:PutMetricData"}
POLICY_ATTRIBUTES = {
    "aws_iam_role_policy": "policy",
    "aws_iam_role": "assume_role_policy",
    "aws_kms_key": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_sns_topic_policy": "policy",
}
# A document of the module (kms_key, iam_role) or a call of the policy_document module.
DOCUMENT = re.compile(r"^\$\{(?:data\.aws_iam_policy_document|module)\.(\w+)\.json\}$")
# The iam_role module makes every role: its inline policy is the document policy_document makes
# of the caller's statements (`policy`).
PASSED_IN = {("iam_role", "aws_iam_role_policy"): "${module.policy[0].json}"}
RDS_MONITORING = "service-role/AmazonRDSEnhancedMonitoringRole"


def policy_sources(module, rtype) -> dict:
    """Where each policy of a resource type comes from in the module (resource or iam_role call
    -> the expression), the inline role policies the module hands to iam_role included."""
    sources = {
        f"{rtype}.{name}": body[POLICY_ATTRIBUTES[rtype]]
        for name, body in module.of_type(rtype).items()
        if (module.name, rtype) not in PASSED_IN
    }
    if rtype == "aws_iam_role_policy":
        for name, call in module.calls("iam_role").items():
            if "policy" in call:
                assert isinstance(call["policy"]["statements"], list), f"{module.name}.{name}"
                sources[f"module.{name}"] = f"${{module.{name}.json}}"  # read by Module.policy
    return sources


def documents(module, rtype):
    """Policy documents a resource type of the module uses, by document name."""
    names = {DOCUMENT.match(expr).group(1) for expr in policy_sources(module, rtype).values()}
    return {name: module.policy(name) for name in names}


def statements(module, rtype):
    return [
        (f"{module.name}:{doc}:{s.get('sid', '?')}", s)
        for doc, body in documents(module, rtype).items()
        for s in body["statement"]
    ]


def allows(modules, rtype):
    return [
        (where, s)
        for module in modules.values()
        for where, s in statements(module, rtype)
        if s.get("effect", "Allow") == "Allow"
    ]


def test_every_policy_is_a_policy_document(modules, root):
    for module in [*modules.values(), root]:
        for rtype in POLICY_ATTRIBUTES:
            for where, expression in policy_sources(module, rtype).items():
                assert DOCUMENT.match(expression), f"{module.name}: {where} inline JSON"
        for (module_name, rtype), expression in PASSED_IN.items():
            if module.name == module_name:
                (body,) = module.of_type(rtype).values()
                assert body[POLICY_ATTRIBUTES[rtype]] == expression
        for banned in ("aws_iam_policy", "aws_iam_user", "aws_iam_access_key"):
            assert not module.of_type(banned), f"{module.name} declares {banned}"
        for attachment in module.of_type("aws_iam_role_policy_attachment").values():
            assert attachment["policy_arn"] == "${var.managed_policy_arn}", module.name
        for name, call in module.calls("iam_role").items():
            assert call.get("managed_policy_arn", RDS_MONITORING).endswith(RDS_MONITORING), name


def test_identity_policies_name_no_wildcard_actions(modules):
    found = allows(modules, "aws_iam_role_policy")
    assert len(found) > 30
    for where, statement in found:
        for action in statement["actions"]:
            assert action != "*" and not action.endswith(":*"), f"{where}: {action}"


def test_star_resources_only_for_actions_without_resource_level_permissions(modules):
    for where, statement in allows(modules, "aws_iam_role_policy"):
        if "*" in statement["resources"]:
            assert statement["resources"] == ["*"], where
            assert set(statement["actions"]) <= STAR_OK, f"{where}: {statement['actions']} on *"
            if "cloudwatch:PutMetricData" in statement["actions"]:
                (condition,) = statement["condition"]
                assert condition["variable"] == "cloudwatch:namespace"


def test_resources_are_the_projects_own(modules):
    """Every ARN is built from this project's resources or inputs, never a literal or a wildcard
    over partition, service, region or account."""
    for where, statement in allows(modules, "aws_iam_role_policy"):
        resources = statement["resources"]
        resources = resources if isinstance(resources, list) else [resources]
        for resource in resources:
            if resource == "*":
                continue
            assert "${" in resource, f"{where}: literal resource {resource}"
            if resource.startswith("arn:"):
                partition, service, region, account = resource.split(":")[1:5]
                assert "*" not in partition + service + region + account, f"{where}: {resource}"


def test_pass_role_is_limited_to_one_service(modules):
    passes = [
        (w, s) for w, s in allows(modules, "aws_iam_role_policy") if "iam:PassRole" in s["actions"]
    ]
    assert len(passes) == 2
    for where, statement in passes:
        assert statement["actions"] == ["iam:PassRole"], where
        (condition,) = statement["condition"]
        assert condition["variable"] == "iam:PassedToService", where


def test_trust_policies_are_limited_to_this_account(modules):
    """Every role is made by the iam_role module, whose one trust statement names one service
    and always limits it to this account."""
    roles = [(m.name, r) for m in modules.values() for r in m.of_type("aws_iam_role")]
    assert roles == [("iam_role", "this")]
    (trust,) = [s for _, s in statements(modules["iam_role"], "aws_iam_role")]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["${var.service}"]}]
    (condition,) = trust["condition"]
    assert condition["variable"] == "aws:SourceAccount"
    assert condition["values"] == ["${data.aws_caller_identity.current.account_id}"]
    calls = [c for m in modules.values() for c in m.calls("iam_role").values()]
    # flow logs, EMR jobs, ECS execution (ecs_cluster: producer, Dagster), producer task,
    # Dagster webserver, worker and kafka-admin, RDS monitoring
    assert len(calls) == 8
    assert all(re.fullmatch(r"[a-z.-]+\.amazonaws\.com", c["service"]) for c in calls)


def test_resource_policies_grant_nobody_everything(modules):
    for rtype in ("aws_s3_bucket_policy", "aws_efs_file_system_policy", "aws_sns_topic_policy"):
        for module in modules.values():
            for where, statement in statements(module, rtype):
                anyone = any("*" in p["identifiers"] for p in statement["principals"])
                if statement.get("effect", "Allow") == "Allow":
                    assert not anyone, f"{where} allows everyone"


def test_resource_policies_deny_requests_without_tls(modules):
    """policy_document's deny_insecure_transport is the statement tests/infra reads it as; the
    bucket, file system and topic policies all ask for it."""
    local = modules["policy_document"].locals["deny_insecure_transport"]
    for snippet in (
        'effect = "Deny"',
        'principals = [{ type = "AWS", identifiers = ["*"] }]',
        'condition = [{ test = "Bool", variable = "aws:SecureTransport", values = ["false"] }]',
    ):
        assert has(local, snippet), snippet
    asked = [
        (m.name, n)
        for m in modules.values()
        for n, c in m.calls("policy_document").items()
        if "deny_insecure_transport" in c
    ]
    assert sorted(asked) == [
        ("lakehouse", "artifacts_policy"),
        ("monitoring", "alerts_policy"),
        ("producer", "efs_policy"),
    ]


def test_key_policies_give_services_only_what_they_need(modules):
    """Every key comes from the kms_key module: kms:* for the account root only; each service
    gets its own statement; CloudWatch Logs only for the log groups named (encryption context)."""
    kms_key = modules["kms_key"]
    (key,) = documents(kms_key, "aws_kms_key").values()
    for statement in key["statement"]:
        (principal,) = statement["principals"]
        assert "kms:*" in statement["actions"]
        assert principal["type"] == "AWS" and principal["identifiers"][0].endswith(":root")
    (grants,) = key["dynamic"]
    (content,) = grants["statement"]["content"]
    assert grants["statement"]["for_each"] == "${local.grants}"
    (principal,) = content["principals"]
    assert principal == {"type": "Service", "identifiers": ["${statement.value.service}"]}
    assert content["actions"] == "${statement.value.actions}"  # the callers' grants, below
    logs = kms_key.locals["logs_grant"]
    assert has(logs, 'service = "logs.${data.aws_region.current.id}.amazonaws.com"')
    assert has(logs, 'variable = "kms:EncryptionContext:aws:logs:arn"')
    assert kms_key.locals["grants"] == "${concat(local.logs_grant, var.grants)}"
    for module in modules.values():
        for call in module.calls("kms_key").values():
            for grant in call.get("grants", []):
                assert not grant["service"].startswith("logs."), f"{module.name}: use log_groups"
                assert "kms:*" not in grant["actions"], module.name
            if "log_groups" in call:
                groups = call["log_groups"]
                assert groups.get("create"), f"{module.name}: logs for no group"


@pytest.mark.parametrize(
    ("module", "document", "must", "must_not"),
    [
        (
            "orchestration",
            "worker_role",
            {
                "emr-serverless:StartJobRun",
                "emr-serverless:GetJobRun",
                "emr-serverless:CancelJobRun",
                "iam:PassRole",
                "logs:GetLogEvents",
                "sns:Publish",
                "ecs:RunTask",
            },
            {"s3tables:PutTableData", "s3tables:DeleteTable", "kafka-cluster:WriteData"},
        ),
        (
            "orchestration",
            "webserver_role",
            {"ecs:StopTask"},
            {"emr-serverless:StartJobRun", "ecs:RunTask", "iam:PassRole", "s3:PutObject"},
        ),
        (
            "producer",
            "task_role",
            {"kafka-cluster:WriteData", "kafka-cluster:WriteDataIdempotently"},
            {"kafka-cluster:ReadData", "kafka-cluster:CreateTopic", "kafka-cluster:AlterGroup"},
        ),
        (
            "emr_serverless",
            "job_role",
            {
                "kafka-cluster:ReadData",
                "s3tables:PutTableData",
                "s3tables:UpdateTableMetadataLocation",
            },
            {
                "s3tables:DeleteTable",
                "s3tables:DeleteNamespace",
                "s3tables:DeleteTableBucket",
                "kafka-cluster:CreateTopic",
                "kafka-cluster:AlterCluster",
            },
        ),
    ],
)
def test_roles_have_what_they_need_and_nothing_dangerous(modules, module, document, must, must_not):
    actions = {a for s in modules[module].policy(document)["statement"] for a in s["actions"]}
    assert must <= actions, f"{module}.{document} lacks {must - actions}"
    assert not must_not & actions, f"{module}.{document} has {must_not & actions}"


def test_spark_writes_only_checkpoints_logs_and_scratch(modules):
    job = modules["emr_serverless"].policy("job_role")
    (writes,) = [s for s in job["statement"] if "s3:PutObject" in s["actions"]]
    prefixes = {r.split("}/", 1)[1] for r in writes["resources"]}
    assert prefixes == {"checkpoints/*", "logs/*", "tmp/*"}


def test_dagster_submits_only_to_its_application_and_passes_only_the_job_role(modules):
    worker = {s["sid"]: s for s in modules["orchestration"].policy("worker_role")["statement"]}
    submit = worker["SubmitAndWatchSparkJobs"]
    assert submit["resources"] == [
        "${var.emr.arn}",
        "${var.emr.arn}/jobruns/*",
    ]
    assert worker["PassJobRole"]["resources"] == ["${var.emr.execution_role_arn}"]
    assert worker["PassJobRole"]["condition"][0]["values"] == ["emr-serverless.amazonaws.com"]
    assert worker["ReadJobLogsForPipes"]["resources"][0] == "${var.emr.log_group_arn}"
    assert worker["PublishAlerts"]["resources"] == ["${var.alerts.topic_arn}"]


def test_spark_can_write_dead_letters_idempotently(modules):
    """Spark's DLQ writer is a kafka-clients producer with idempotence on by default: without
    WriteDataIdempotently on the cluster the first dead letter fails a bronze batch (#13 item 4)."""
    job = modules["emr_serverless"].policy("job_role")["statement"]
    idempotent = [s for s in job if "kafka-cluster:WriteDataIdempotently" in s["actions"]]
    assert idempotent, "the EMR job role lacks kafka-cluster:WriteDataIdempotently"
    assert all(s["resources"] == ["${var.kafka.cluster_arn}"] for s in idempotent)


def test_spark_has_the_cloudwatch_permissions_emr_serverless_logging_needs(modules):
    """EMR Serverless describes the log group named in the request, then creates streams and puts
    events in it with the job role (EMR Serverless user guide, "Logging: CloudWatch")."""
    job = modules["emr_serverless"].policy("job_role")["statement"]
    granted = {(a, r) for s in job for a in s["actions"] for r in s["resources"]}
    group = "${module.kms.log_groups.jobs.arn}"
    for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
        assert (action, f"{group}:*") in granted, action
    describe = [r for a, r in granted if a == "logs:DescribeLogGroups"]
    assert describe, "the EMR job role lacks logs:DescribeLogGroups"
    assert all(r.endswith(":log-group:*") and "${module.aws.account_id}" in r for r in describe)


def test_dagster_writes_only_its_compute_logs(modules):
    """The code prefix EMR executes must not be writable by Dagster's tasks (#13 item 6)."""
    orchestration = modules["orchestration"]
    for document in ("worker_role", "webserver_role"):
        for statement in orchestration.policy(document)["statement"]:
            writes = {"s3:PutObject", "s3:DeleteObject"} & set(statement["actions"])
            if writes:
                assert statement["resources"] == [
                    "${var.lakehouse.artifacts_bucket_arn}/${local.compute_logs_prefix}/*"
                ], f"{document}.{statement.get('sid')} writes {statement['resources']}"
    assert orchestration.locals["compute_logs_prefix"] == "logs/dagster/compute"
    template = (orchestration.path / "templates" / "dagster.yaml.tftpl").read_text()
    assert "prefix: ${compute_logs_prefix}" in template
