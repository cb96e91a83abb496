"""The bronze supervisor's decisions, one case at a time."""

from wikistream_dagster.defs.supervision import (
    Cursor,
    Observation,
    Policy,
    decide,
    observe_progress,
    record,
)

P = Policy(
    stall_after_s=100, backoff_base_s=10, backoff_max_s=80, loop_window_s=1000, loop_max_restarts=3
)
NOW = 10_000.0


def obs(**kw) -> Observation:
    base = dict(
        desired_running=True,
        running=True,
        started_at=NOW - 500,
        newest_snapshot_ts=NOW - 20,
        kafka_lag=10,
    )
    return Observation(**(base | kw))


def test_absent_job_is_started():
    assert decide(obs(running=False, started_at=None), Cursor(), NOW, P).action == "start"


def test_healthy_job_is_left_alone():
    assert decide(obs(), Cursor(), NOW, P).action == "none"


def test_idle_stream_without_lag_is_not_stalled():
    assert (
        decide(obs(newest_snapshot_ts=NOW - 5000, kafka_lag=0), Cursor(), NOW, P).action == "none"
    )


def test_dead_job_is_restarted_with_growing_backoff():
    cur = Cursor(last_progress_ts=NOW - 60)
    d = decide(obs(running=False), cur, NOW, P)
    assert d.action == "restart" and "died" in d.reason
    cur = record(d, cur, NOW, P)
    assert cur.next_start_at == NOW + 10
    assert decide(obs(running=False), cur, NOW + 5, P).action == "wait"
    d2 = decide(obs(running=False), cur, NOW + 11, P)
    assert d2.action == "restart"
    cur = record(d2, cur, NOW + 11, P)
    assert cur.next_start_at == NOW + 11 + 20  # doubled


def test_stalled_job_is_restarted():
    d = decide(obs(newest_snapshot_ts=NOW - 300, started_at=NOW - 900), Cursor(), NOW, P)
    assert d.action == "restart" and "stalled" in d.reason


def test_recently_started_job_is_not_called_stalled():
    d = decide(obs(newest_snapshot_ts=NOW - 300, started_at=NOW - 30), Cursor(), NOW, P)
    assert d.action == "none"


def test_restart_loop_alerts_once_then_waits_for_a_person():
    cur = Cursor(restarts=[NOW - 300, NOW - 200, NOW - 100], last_progress_ts=NOW - 400)
    d = decide(obs(running=False), cur, NOW, P)
    assert d.action == "alert" and "restart loop" in d.reason
    cur = record(d, cur, NOW, P)
    assert decide(obs(running=False), cur, NOW + 60, P).action == "none"
    assert decide(obs(running=False), cur, NOW + 2000, P).action == "restart"  # window passed


def test_desired_stopped_stops_a_running_job():
    assert decide(obs(desired_running=False), Cursor(), NOW, P).action == "stop"
    assert decide(obs(desired_running=False, running=False), Cursor(), NOW, P).action == "none"


def test_cursor_round_trips():
    cur = Cursor(
        last_snapshot_id=5, restarts=[1.0], alerted=True, desired_run_id="r", processed={"0": 3}
    )
    assert Cursor.from_json(cur.to_json()) == cur


def test_progress_clears_the_restart_history_and_the_alert():
    cur = Cursor(restarts=[NOW - 30, NOW - 20, NOW - 10], alerted=True, processed={"0": 5})
    cur = observe_progress(cur, {"0": 9}, NOW)
    assert cur.restarts == [] and not cur.alerted and cur.last_progress_ts == NOW
    assert decide(obs(running=False), cur, NOW, P).action == "restart"


def test_unchanged_or_first_seen_offsets_are_not_progress():
    cur = observe_progress(Cursor(restarts=[NOW - 10]), {"0": 5}, NOW)
    assert cur.last_progress_ts is None and cur.restarts == [NOW - 10]
    cur = observe_progress(cur, {"0": 5}, NOW + 60)
    assert cur.last_progress_ts is None and cur.processed == {"0": 5}


def test_busy_means_wait():
    assert decide(obs(running=False, busy=True), Cursor(), NOW, P).action == "wait"


def test_restarting_a_running_job_starts_only_after_it_is_gone():
    d = decide(obs(newest_snapshot_ts=NOW - 300, started_at=NOW - 900), Cursor(), NOW, P)
    cur = record(d, Cursor(), NOW, P, running=True)
    assert cur.pending_start and len(cur.restarts) == 1
    assert decide(obs(running=False), cur, NOW + 1, P).action == "wait"  # backoff
    d2 = decide(obs(running=False), cur, NOW + 11, P)
    assert d2.action == "start"
    cur = record(d2, cur, NOW + 11, P)
    assert not cur.pending_start and len(cur.restarts) == 1  # one restart, counted once
