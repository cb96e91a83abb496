from pathlib import Path

import pytest

from producer_service.settings import SettingsError, parse_settings

UA = "WikiStream-test/0.1 (ops@example.org)"


def test_flags_and_env_equivalents():
    s = parse_settings(["--user-agent", UA, "--exit-on-idle", "2.5"], env={})
    assert s.bootstrap_servers == "127.0.0.1:9092" and s.exit_on_idle == 2.5
    e = parse_settings(
        [],
        env={
            "PRODUCER_USER_AGENT": UA,
            "PRODUCER_STATE_DIR": "/tmp/x",
            "PRODUCER_BOOTSTRAP_SERVERS": "k:1",
            "PRODUCER_MAX_EVENTS": "5",
        },
    )
    assert (e.state_dir, e.bootstrap_servers, e.max_events) == (Path("/tmp/x"), "k:1", 5)
    assert (
        parse_settings(
            ["--user-agent", UA, "--bootstrap-servers", "f:2"],
            env={"PRODUCER_BOOTSTRAP_SERVERS": "e:1"},
        ).bootstrap_servers
        == "f:2"
    )


@pytest.mark.parametrize(
    "argv, env, needle",
    [
        ([], {}, "--user-agent / PRODUCER_USER_AGENT is required"),
        (["--user-agent", "python-requests"], {}, "no contact info"),
        (["--user-agent", UA, "--since", "last tuesday"], {}, "--since"),
        (["--user-agent", UA, "--exit-on-idle", "soon"], {}, "--exit-on-idle"),
        (["--user-agent", UA, "--metrics-port", "-1"], {}, "--metrics-port"),
        (["--user-agent", UA, "--security-protocol", "sasl"], {}, "PRODUCER_SECURITY_PROTOCOL"),
        (["--user-agent", UA, "--security-protocol", "msk-iam"], {}, "PRODUCER_AWS_REGION"),
        (["--user-agent", UA, "--sse-url", "ftp://x"], {}, "--sse-url"),
        (["--user-agent", UA, "--kafka-config", "linger.ms"], {}, "KEY=VALUE"),
    ],
)
def test_bad_settings_fail_naming_the_setting(argv, env, needle):
    with pytest.raises(SettingsError, match=needle.replace("(", r"\(")):
        parse_settings(argv, env=env)


def test_since_is_normalised():
    assert (
        parse_settings(["--user-agent", UA, "--since", "2024-05-01T14:00:00+02:00"], env={}).since
        == "2024-05-01T12:00:00Z"
    )
    assert (
        parse_settings(["--user-agent", UA, "--since", "1714564800000"], env={}).since
        == "1714564800000"
    )


def test_resume_rewind_and_dedup_window():
    s = parse_settings(["--user-agent", UA], env={})
    assert (s.resume_rewind_s, s.dedup_window) == (10.0, 20_000)
    assert s.dedup_window >= 2 * s.resume_rewind_s * 100  # covers a rewind at the live rate
    e = parse_settings(
        ["--user-agent", UA],
        env={"PRODUCER_RESUME_REWIND_S": "2", "PRODUCER_DEDUP_WINDOW": "5000"},
    )
    assert (e.resume_rewind_s, e.dedup_window) == (2.0, 5000)
    with pytest.raises(SettingsError, match="--dedup-window.*>= 6000"):
        parse_settings(["--user-agent", UA, "--resume-rewind-s", "30", "--dedup-window", "100"])
