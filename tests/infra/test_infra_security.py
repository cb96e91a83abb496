"""Secure by default: encryption everywhere, TLS and IAM on MSK, nothing open to the internet."""

import re

from tests.infra.infra_hcl import INFRA, has, interpolations, squash

OPEN = "0.0.0.0/0"
BLOCK_PUBLIC = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


def every(modules, root, rtype):
    """(module name, resource name, body) of every resource of a type, in all modules; resources
    made from a map with for_each count once per entry (``name["key"]``)."""
    return [
        (module.name, name, body)
        for module in [*modules.values(), root]
        for name, body in module.expanded(rtype).items()
    ]


def test_msk_requires_iam_auth_tls_and_encryption_at_rest(modules):
    msk = modules["msk"]
    (cluster,) = msk.of_type("aws_msk_cluster").values()
    (auth,) = cluster["client_authentication"]
    assert auth["unauthenticated"] is False
    assert auth["sasl"][0] == {"iam": True, "scram": False}
    (encryption,) = cluster["encryption_info"]
    assert encryption["encryption_in_transit"][0] == {"client_broker": "TLS", "in_cluster": True}
    assert encryption["encryption_at_rest_kms_key_arn"] == "${module.kms.arn}"
    broker = cluster["broker_node_group_info"][0]
    assert broker["connectivity_info"][0]["public_access"][0]["type"] == "DISABLED"
    logs = cluster["logging_info"][0]["broker_logs"][0]["cloudwatch_logs"][0]
    assert logs["enabled"] is True
    assert msk.locals["kafka_version"] == "3.9.x.kraft"
    assert "kafka_version" not in msk.variables, "3.9 KRaft is fixed, not an input"
    (group,) = msk.calls("security_group").values()
    assert set(group["rules"]) == {"ingress"}
    assert has(group["rules"]["ingress"], "port = 9098"), "only the SASL/IAM TLS port"


def test_s3_buckets_are_encrypted_versioned_private_and_tls_only(modules, root):
    buckets = every(modules, root, "aws_s3_bucket")
    assert buckets
    for module_name, name, _ in buckets:
        module = modules[module_name]
        ref = f"${{aws_s3_bucket.{name}.id}}"
        by_bucket = {
            rtype: [b for b in module.of_type(rtype).values() if b.get("bucket") == ref]
            for rtype in (
                "aws_s3_bucket_server_side_encryption_configuration",
                "aws_s3_bucket_public_access_block",
                "aws_s3_bucket_versioning",
                "aws_s3_bucket_lifecycle_configuration",
                "aws_s3_bucket_policy",
            )
        }
        assert all(by_bucket.values()), (
            f"{name}: missing {[k for k, v in by_bucket.items() if not v]}"
        )
        sse = by_bucket["aws_s3_bucket_server_side_encryption_configuration"][0]["rule"][0]
        assert sse["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
        block = by_bucket["aws_s3_bucket_public_access_block"][0]
        assert all(block[flag] is True for flag in BLOCK_PUBLIC)
        versioning = by_bucket["aws_s3_bucket_versioning"][0]["versioning_configuration"][0]
        assert versioning["status"] == "Enabled"
        policy = by_bucket["aws_s3_bucket_policy"][0]["policy"]
        document = module.policy(re.fullmatch(r"\$\{module\.(\w+)\.json\}", policy).group(1))
        denies = [s for s in document["statement"] if s.get("effect") == "Deny"]
        assert any(c["variable"] == "aws:SecureTransport" for s in denies for c in s["condition"])


def test_table_bucket_uses_kms_and_maintenance(modules):
    lakehouse = modules["lakehouse"]
    (bucket,) = lakehouse.of_type("aws_s3tables_table_bucket").values()
    assert bucket["encryption_configuration"]["sse_algorithm"] == "aws:kms"
    assert bucket["maintenance_configuration"]["iceberg_unreferenced_file_removal"]["status"] == (
        "enabled"
    )
    (grant,) = lakehouse.calls("kms_key")["kms"]["grants"]
    assert grant["service"] == "maintenance.s3tables.amazonaws.com"
    assert grant["condition"]["values"] == ["${local.table_bucket_arn}/*"]


def test_log_groups_sns_efs_and_keys_are_encrypted(modules, root):
    # Every log group is made by kms_key, with the key encrypting it.
    log_groups = every(modules, root, "aws_cloudwatch_log_group")
    assert [m for m, _, _ in log_groups] == ["kms_key"]
    for module_name, name, body in log_groups:
        assert body.get("kms_key_id"), f"{module_name}: log group {name} is not KMS-encrypted"
        assert body.get("retention_in_days"), f"{module_name}: log group {name} keeps logs forever"
    topics = every(modules, root, "aws_sns_topic")
    assert topics and all(body.get("kms_master_key_id") for _, _, body in topics)
    for _, _, efs in every(modules, root, "aws_efs_file_system"):
        assert efs["encrypted"] is True and efs["kms_key_id"]
    # One key per module, each from the kms_key module (rotation on); no module makes its own.
    (key,) = modules["kms_key"].of_type("aws_kms_key").values()
    assert key["enable_key_rotation"] is True
    assert [m for m, _, _ in every(modules, root, "aws_kms_key")] == ["kms_key"]
    calls = {module.name: module.calls("kms_key") for module in [*modules.values(), root]}
    assert sum(len(c) for c in calls.values()) == 7 and all(len(c) <= 1 for c in calls.values())
    for _, name, repo in every(modules, root, "aws_ecr_repository"):
        assert repo["encryption_configuration"][0]["encryption_type"] == "KMS", name
        assert repo["image_tag_mutability"] == "IMMUTABLE", name
        assert repo["image_scanning_configuration"][0]["scan_on_push"] is True, name


def test_efs_volume_uses_tls_and_iam(modules):
    state = modules["producer"].calls("ecs_task")["task"]["volumes"]["state"]
    assert state["efs"]["access_point_id"] == "${aws_efs_access_point.state.id}"
    (task,) = modules["ecs_task"].of_type("aws_ecs_task_definition").values()
    (volume,) = task["dynamic"]
    (efs,) = volume["volume"]["content"][0]["dynamic"]
    (content,) = efs["efs_volume_configuration"]["content"]
    assert content["transit_encryption"] == "ENABLED"
    assert content["authorization_config"][0]["iam"] == "ENABLED"


def test_database_is_encrypted_private_tls_only_and_password_in_secrets_manager(modules):
    orchestration = modules["orchestration"]
    (db,) = orchestration.of_type("aws_db_instance").values()
    assert db["storage_encrypted"] is True and db["kms_key_id"]
    assert db["publicly_accessible"] is False
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == "${module.kms.arn}"
    (params,) = orchestration.of_type("aws_db_parameter_group").values()
    assert {"name": "rds.force_ssl", "value": "1"} in params["parameter"]
    secret = orchestration.locals["secrets"][0]
    assert secret == {
        "name": "DAGSTER_PG_PASSWORD",
        "valueFrom": "${local.db_secret_arn}:password::",
    }
    environment = orchestration.locals["environment"]
    assert "PASSWORD" not in environment, "the password must come from secrets, not environment"


def test_no_plaintext_secrets_in_terraform():
    for tf in INFRA.rglob("*.tf"):
        text = tf.read_text()
        assert not re.search(r'(password|secret_string)\s*=\s*"[^$"]', text), tf


def rules(modules, direction):
    """(module, group, key, rule) of every rule given to the security_group module; rules written
    as a for expression over a list of networks are one entry: key None, the expression as rule.
    A rule given by reference (msk's client rule, ``${var.kafka.egress_rule}``) is resolved to the
    msk module's definition."""
    found = []
    for module in modules.values():
        for group, call in module.calls("security_group").items():
            given = call["rules"].get(direction, {})
            if isinstance(given, str):
                found.append((module.name, group, None, given))
            else:
                found += [
                    (module.name, group, key, _rule(modules, rule)) for key, rule in given.items()
                ]
    return found


def _rule(modules, rule):
    """A rule as written, or the msk module's client rule where a module passes that on."""
    if rule == "${var.kafka.egress_rule}":
        return modules["msk"].outputs["connection"]["value"]["egress_rule"]
    return rule


def test_every_security_group_and_rule_is_the_security_group_modules(modules, root):
    """One TCP port per rule, one rule resource per direction, no inline rules."""
    groups = every(modules, root, "aws_security_group")
    assert [(m, n) for m, n, _ in groups] == [("security_group", "this")]
    assert "ingress" not in groups[0][2] and "egress" not in groups[0][2]
    module = modules["security_group"]
    for direction in ("ingress", "egress"):
        (rule,) = module.of_type(f"aws_vpc_security_group_{direction}_rule").values()
        assert rule["ip_protocol"] == "tcp"
        assert rule["from_port"] == rule["to_port"] == "${each.value.port}"
        assert rule["for_each"] == f'${{lookup(var.rules, "{direction}", {{}})}}'


def test_no_ingress_from_anywhere(modules):
    found = rules(modules, "ingress")
    assert len(found) >= 7
    for module, group, key, rule in found:
        assert OPEN not in str(rule), f"{module}.{group}.{key} is open to the internet"


def test_ingress_from_variable_cidrs_rejects_anywhere(modules):
    """Rules fed from a variable list must have a validation that refuses 0.0.0.0/0."""
    checked = 0
    for module, _, key, rule in rules(modules, "ingress"):
        if key is None:
            source = re.match(r"\$\{\{for cidr in var\.([\w.]+) : cidr =>", rule)
            assert source and has(rule, "cidr = cidr"), rule
            path = source.group(1)  # a variable, or an attribute of one (var.network.subnet_cidrs)
            validation = modules[module].variables[path.split(".")[0]]["validation"]
            assert any(
                OPEN in v["condition"] and f"var.{path}" in v["condition"] for v in validation
            ), path
            checked += 1
    assert checked == 3  # MSK clients, producer metrics, Dagster UI


def test_egress_to_anywhere_is_https_only(modules):
    """Only the producer (Wikimedia over NAT), Dagster (AWS APIs) and the UI's load balancer
    (Cognito's token endpoint, for sign-in) go out to 0.0.0.0/0, on 443."""
    open_egress = [
        (module, key, rule)
        for module, _, key, rule in rules(modules, "egress")
        if rule.get("cidr") == OPEN
    ]
    assert {(m, k) for m, k, _ in open_egress} == {
        ("producer", "https"),
        ("orchestration", "tasks_https"),
        ("orchestration", "alb_to_idp"),
    }
    assert all(rule["port"] == 443 for _, _, rule in open_egress)


def test_emr_workers_have_no_internet_path(modules):
    (group,) = modules["emr_serverless"].calls("security_group").values()
    assert set(group["rules"]) == {"egress"}
    egress = [_rule(modules, rule) for rule in group["rules"]["egress"].values()]
    assert len(egress) == 3
    assert {r.get("cidr") for r in egress} <= {"${var.network.vpc_cidr}", None}
    s3, brokers = "${var.network.s3_prefix_list_id}", "${module.security_group.id}"
    assert all(
        "cidr" in r or r.get("prefix_list") == s3 or r.get("peer") == brokers for r in egress
    )


def test_msk_clients_reach_only_the_brokers_on_9098(modules):
    """The producer, EMR and Dagster take their rule to MSK from msk's `connection`: 9098 to the
    brokers' security group, written once."""
    rule = modules["msk"].outputs["connection"]["value"]["egress_rule"]
    assert rule["port"] == 9098 and rule["peer"] == "${module.security_group.id}"
    given = [
        (module, key)
        for module, _, key, r in rules(modules, "egress")
        if r == rule or (isinstance(r, dict) and r.get("port") == 9098)
    ]
    assert sorted(given) == [
        ("emr_serverless", "kafka"),
        ("orchestration", "tasks_kafka"),
        ("producer", "kafka"),
    ]


def test_tasks_run_without_public_ips_in_private_subnets(modules, root):
    (service,) = [body for _, _, body in every(modules, root, "aws_ecs_service")]
    network = service["network_configuration"][0]
    assert network["assign_public_ip"] is False
    calls = [c for m in modules.values() for c in m.calls("ecs_service").values()]
    assert len(calls) == 2  # the producer; Dagster's webserver and daemon (for_each)
    assert all(call["subnet_ids"] == "${var.network.subnet_ids}" for call in calls)
    # Every module in the VPC gets the network module's one output, whose subnets are private.
    takers = [call for call in root.modules.values() if "network" in call]
    assert len(takers) == 4  # msk, emr_serverless, producer, orchestration
    assert all(call["network"] == "${module.network.network}" for call in takers)
    given = modules["network"].outputs["network"]["value"]
    assert given["subnet_ids"] == "${aws_subnet.private[*].id}"
    for _, name, subnet in every(modules, root, "aws_subnet"):
        assert subnet.get("map_public_ip_on_launch", False) is False, name


def test_dagster_ui_is_internal_https_only(modules):
    orchestration = modules["orchestration"]
    (lb,) = orchestration.of_type("aws_lb").values()
    assert lb["internal"] is True and lb["drop_invalid_header_fields"] is True
    listeners = orchestration.of_type("aws_lb_listener").values()
    assert [(listener["protocol"], listener["port"]) for listener in listeners] == [("HTTPS", 443)]
    assert all(
        listener["ssl_policy"].startswith("ELBSecurityPolicy-TLS13") for listener in listeners
    )


def test_dagster_ui_requires_sign_in(modules):
    """A CIDR list is not authentication: every request to the UI signs in through Cognito
    (MFA, admin-created users) before the load balancer forwards it (#13 item 6)."""
    orchestration = modules["orchestration"]
    (listener,) = orchestration.of_type("aws_lb_listener").values()
    actions = sorted(listener["default_action"], key=lambda a: a["order"])
    assert [a["type"] for a in actions] == ["authenticate-cognito", "forward"]
    auth = actions[0]["authenticate_cognito"][0]
    assert auth["on_unauthenticated_request"] == "authenticate"
    assert auth["user_pool_arn"] == "${aws_cognito_user_pool.ui.arn}"
    (pool,) = orchestration.of_type("aws_cognito_user_pool").values()
    assert pool["mfa_configuration"] == "ON"
    assert pool["admin_create_user_config"][0]["allow_admin_create_user_only"] is True
    (client,) = orchestration.of_type("aws_cognito_user_pool_client").values()
    assert client["callback_urls"] == ["https://${var.ui_hostname}/oauth2/idpresponse"]
    assert client["generate_secret"] is True


def test_containers_run_read_only_without_exec(modules, root):
    """Every task definition is ecs_task's, whose container is the caller's fields with the
    shared ones merged last (a caller cannot turn them off)."""
    ecs_task = modules["ecs_task"]
    assert [(m, n) for m, n, _ in every(modules, root, "aws_ecs_task_definition")] == [
        ("ecs_task", "this")
    ]
    (task,) = ecs_task.of_type("aws_ecs_task_definition").values()
    assert task["container_definitions"] == "${jsonencode([local.container])}"
    container = ecs_task.locals["container"]
    assert squash(container).startswith("merge(var.container,")
    assert has(container, "readonlyRootFilesystem = true")
    for module in modules.values():
        for name, call in module.calls("ecs_task").items():
            assert "privileged" not in str(call), f"{module.name}.{name}"
    for _, name, service in every(modules, root, "aws_ecs_service"):
        assert service["enable_execute_command"] is False, name


def test_interpolations_helper_handles_nested_templates():
    assert interpolations('a-${join("\\n", [for k in x : "${k}=v"])}-b') == [
        'join("\\n", [for k in x : "${k}=v"])'
    ]
