"""The topics the local broker gets carry kafka_topics.json's configs (the file MSK's Terraform
reads too), so a setting changed there reaches both (#13 item 5)."""

from confluent_kafka.admin import AdminClient, ConfigResource

from wikistream_dagster.deployment import kafka_topics


def test_created_topics_carry_the_shared_definition(kafka_broker):
    admin = AdminClient({"bootstrap.servers": kafka_broker})
    metadata = admin.list_topics(timeout=10).topics
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in kafka_topics()]
    described = {r.name: f.result(timeout=10) for r, f in admin.describe_configs(resources).items()}
    for name, (_, config) in kafka_topics().items():
        assert name in metadata, f"{name} was not created"
        for key, value in config.items():
            assert described[name][key].value == value, f"{name}: {key}"
        replicas = {len(p.replicas) for p in metadata[name].partitions.values()}
        assert replicas == {1}, f"{name}: the single local broker holds one replica"
    assert kafka_topics()["dlq-events"][1]["retention.ms"] == str(30 * 24 * 3600 * 1000)
