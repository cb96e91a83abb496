"""What `./wikistream up` starts, without starting it."""

from wikistream_dagster.config import load_settings
from wikistream_dagster.local.stack import _children


def test_up_runs_replay_producer_and_dagster_with_the_stack_settings(tmp_path):
    s = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path), "WIKISTREAM_KAFKA_PORT": "19999"})
    children = {c.name: c for c in _children(s, "replay", True, replay_speed=2.5)}
    assert list(children) == ["replay", "producer", "dagster"]
    assert children["replay"].argv[children["replay"].argv.index("--speed") + 1] == "2.5"
    producer = children["producer"].argv
    assert producer[producer.index("--sse-url") + 1] == s.replay_url
    assert producer[producer.index("--bootstrap-servers") + 1] == "127.0.0.1:19999"
    env = children["dagster"].env
    assert env["DAGSTER_HOME"] == str(tmp_path / "dagster")
    assert (tmp_path / "dagster" / "dagster.yaml").exists()
    assert env["WIKISTREAM_STATE_DIR"] == str(tmp_path)


def test_live_source_needs_no_replay(tmp_path):
    s = load_settings({"WIKISTREAM_STATE_DIR": str(tmp_path)})
    names = [c.name for c in _children(s, "live", False)]
    assert names == ["producer"]
