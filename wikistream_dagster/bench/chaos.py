"""Chaos run: ``./wikistream bench chaos [--json] [--minutes N] [--seed S]``.

Runs the whole local stack in a scratch state directory (the replay twin looping at live pace,
the producer, Kafka, the catalog, ``dagster dev`` with the bronze_supervisor sensor and the
5-minute medallion schedule), injects a seeded plan of faults (``chaos_faults``) for ``minutes``,
then stops the source, lets the producer and bronze drain, runs the medallion job once more and
counts end to end (``chaos_count``): nothing lost, nothing twice, gold equal to plain-Python
counts, every poison record dead-lettered, nothing halted. Exit code 1 if any invariant fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time

from wikistream_dagster.bench import chaos_count as cc
from wikistream_dagster.bench.chaos_audit import StreamAudit
from wikistream_dagster.bench.chaos_faults import Injector, plan
from wikistream_dagster.bench.chaos_report import figures, print_summary
from wikistream_dagster.bench.chaos_stack import ChaosStack
from wikistream_dagster.config import RAW_TOPIC, Settings
from wikistream_dagster.contracts.tables import BRONZE_TABLE
from wikistream_dagster.local.spark_submit import checkpoint_dir
from wikistream_dagster.resources.lake import LakeReader

log = logging.getLogger(__name__)
DEFAULT_SEED = 10
WARMUP_TIMEOUT_S = 420
PROGRESS_EVERY_S = 30
CATCH_UP_TIMEOUT_S = 300  # covers the supervisor's backoff after a few restarts


def run_bench(
    settings: Settings, events: int | None = None, minutes: float = 20.0, seed: int = DEFAULT_SEED
) -> dict:
    """Run the chaos scenario; return the figures (``figures["ok"]``: every invariant held)."""
    faults = plan(minutes, seed)
    stack = ChaosStack(settings, seed)
    log.info(
        "chaos: plan",
        extra={
            "minutes": minutes,
            "seed": seed,
            "state_dir": str(stack.state),
            "faults": [f"{f.at_s:.0f}s {f.kind}" for f in faults],
        },
    )
    audit = StreamAudit(stack.s.replay_url)
    injector = Injector(stack)
    try:
        stack.start_source()
        audit.start()
        stack.start_pipeline()
        _warm_up(stack)
        t0 = time.monotonic()
        for fault in faults:
            _run_until(stack, t0 + fault.at_s)
            injector.inject(fault)
        _run_until(stack, t0 + minutes * 60)
        end = _drain(stack, audit)
        (stack.state / "audit.ids").write_text("".join(i + "\n" for i in audit.ids))
        medallion_ok = _final_medallion(stack)
        out = figures(stack, audit, injector, end, medallion_ok, minutes, seed)
    finally:
        audit.stop()
        stack.close()
    print_summary(out)
    if out["ok"]:
        shutil.rmtree(stack.state, ignore_errors=True)
    else:
        log.error("chaos: invariants failed", extra={"failed": out["failed"]})
    return out


def _lake(stack: ChaosStack) -> LakeReader:
    return LakeReader(uri=stack.s.catalog_uri)


def _bronze_rows(stack: ChaosStack) -> int:
    try:
        snaps = _lake(stack).snapshots(BRONZE_TABLE)
    except Exception:  # noqa: BLE001 - the catalog may be restarting
        return -1
    return int(snaps[-1]["summary"].get("total-records", 0)) if snaps else 0


def _keep_alive(stack: ChaosStack) -> None:
    """Restart a pipeline process that died on its own (as ``up`` and ECS would), counted."""
    for child in (stack.producer, stack.dagster):
        if child.proc is not None and child.proc.poll() is not None:
            stack.unexpected_exits.append({"child": child.name, "code": child.proc.returncode})
            log.error("chaos: process died on its own; restarting", extra={"child": child.name})
            child.start(stack.s)


def _progress(stack: ChaosStack, what: str) -> None:
    h = stack.producer_health() or {}
    log.info(
        f"chaos: {what}",
        extra={
            "received": h.get("received"),
            "produced": h.get("produced"),
            "dead_lettered": h.get("dead_lettered"),
            "bronze_rows": _bronze_rows(stack),
            "bronze_writers": len(stack.bronze_writers()),
            "twin_served": (stack.twin_stats() or {}).get("events_served"),
        },
    )


def _run_until(stack: ChaosStack, deadline: float) -> None:
    """Wait, restarting what died on its own and reporting progress now and then."""
    while (now := time.monotonic()) < deadline:
        _keep_alive(stack)
        if now - stack.last_progress >= PROGRESS_EVERY_S:
            _progress(stack, "running")
            stack.last_progress = now
        time.sleep(min(2.0, max(0.0, deadline - now)))


def _warm_up(stack: ChaosStack) -> None:
    """Until bronze (started by the sensor) has committed its first batch."""
    deadline = time.monotonic() + WARMUP_TIMEOUT_S
    while _bronze_rows(stack) <= 0:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"bronze wrote nothing within {WARMUP_TIMEOUT_S}s of the start: read "
                f"{stack.s.logs_dir}/bronze-stream.log and {stack.dagster.log_path}"
            )
        _run_until(stack, time.monotonic() + 10)
    _progress(stack, "bronze is up; faults start")


def _consumed(stack: ChaosStack) -> dict[str, int]:
    """Next offset per raw-events partition that bronze has processed (snapshots or checkpoint)."""
    snaps = _lake(stack).snapshots(BRONZE_TABLE)
    done = cc.snapshot_offsets(snaps).get(RAW_TOPIC, {})
    ckpt = cc.checkpoint_offsets(checkpoint_dir(stack.s)).get(RAW_TOPIC, {})
    return {p: max(done.get(p, 0), ckpt.get(p, 0)) for p in set(done) | set(ckpt)}


def _drain(stack: ChaosStack, audit: StreamAudit) -> dict:
    """Stop the source; wait for the producer and bronze to finish; note what still runs."""
    _run_until(stack, time.monotonic() + 20)  # the last fault's restart settles
    before = (stack.producer_health() or {}).get("received", 0)
    _run_until(stack, time.monotonic() + 15)
    receiving = (stack.producer_health() or {}).get("received", 0) > before  # not hung
    stack.stop_child(stack.replay)
    audit.stop()
    last, stable_since, deadline = None, time.monotonic(), time.monotonic() + 120
    while time.monotonic() < deadline and time.monotonic() - stable_since < 10:
        h = stack.producer_health() or {}
        now = (h.get("received"), h.get("in_flight"))
        if now != last or h.get("in_flight"):
            last, stable_since = now, time.monotonic()
        time.sleep(1)
    end = {"producer_alive": stack.alive(stack.producer), "producer_receiving": receiving}
    ends = cc.end_offsets(stack.s.kafka_bootstrap, RAW_TOPIC)
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while True:
        try:
            consumed = _consumed(stack)
        except Exception:  # noqa: BLE001 - catalog hiccup: try again
            consumed = {}
        behind = {p: e - consumed.get(p, 0) for p, e in ends.items() if e > consumed.get(p, 0)}
        end["gave_up"] = "restart loop" in stack.alerts()
        if not behind or end["gave_up"] or time.monotonic() > deadline:
            break
        _run_until(stack, time.monotonic() + 10)
    end["bronze_behind"] = sum(behind.values())
    end["bronze_running"] = bool(stack.bronze_writers())
    log.info("chaos: drained", extra=end)
    stack.stop_child(stack.dagster)  # no schedule tick races the final medallion run
    stack.stop_child(stack.producer)
    stack.stop_bronze()
    stack.kill_strays()  # a medallion run cut off with dagster dev
    return end


def _final_medallion(stack: ChaosStack) -> bool:
    """silver -> checks -> gold once more, for every hour bronze touched since silver's last."""
    import dagster as dg

    from wikistream_dagster.definitions import build_definitions
    from wikistream_dagster.defs.automation import medallion_request

    req = medallion_request(_lake(stack))
    if isinstance(req, dg.SkipReason):
        log.info("chaos: final medallion not needed", extra={"why": req.skip_message})
        return True
    job = build_definitions(stack.s).resolve_job_def("medallion")
    with dg.DagsterInstance.ephemeral() as instance, _stdout_to_stderr():
        result = job.execute_in_process(instance=instance, tags=req.tags, raise_on_error=False)
    log.info("chaos: final medallion run", extra={"success": result.success})
    return result.success


@contextlib.contextmanager
def _stdout_to_stderr():
    """The Spark jobs' output goes to stderr: stdout keeps the figures (and the JSON line)."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
