from producer_service.kafka_sink import KafkaSink, producer_config
from producer_service.settings import parse_settings

UA = "t (t@example.org)"


class FakeProducer:
    """Stands in for the C Producer: the first two produce() calls find the queue full."""

    def __init__(self, conf):
        self.conf, self.sent, self.polls, self.full = conf, [], [], 2

    def produce(self, topic, value, key, on_delivery):
        if self.full:
            self.full -= 1
            raise BufferError("queue full")
        self.sent.append((topic, key, value))

    def poll(self, timeout):
        self.polls.append(timeout)
        return 0

    def __len__(self):
        return 0


def test_durable_defaults_and_extra_config():
    s = parse_settings(["--user-agent", UA, "--kafka-config", "linger.ms=5"], env={})
    conf = producer_config(s)
    assert conf["acks"] == "all" and conf["enable.idempotence"] is True
    assert conf["linger.ms"] == "5"
    assert "security.protocol" not in conf


def test_msk_iam_is_config_only(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x" * 40)
    s = parse_settings(
        ["--user-agent", UA, "--security-protocol", "msk-iam", "--aws-region", "eu-west-1"], env={}
    )
    conf = producer_config(s)
    assert (conf["security.protocol"], conf["sasl.mechanism"]) == ("SASL_SSL", "OAUTHBEARER")
    token, expiry = conf["oauth_cb"]("")
    assert isinstance(token, str) and len(token) > 100 and expiry > 0  # a signed, local token


def test_buffer_full_is_retried_not_dropped():
    sink = KafkaSink({}, factory=FakeProducer)
    sink.produce("t", b"k", b"v", on_delivery=lambda *_: None)
    assert sink._producer.sent == [("t", b"k", b"v")]
    assert sink.buffer_full_retries == 2
