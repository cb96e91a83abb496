"""The chaos run's figures and invariants, from the stack, the stream audit and the topics."""

from __future__ import annotations

import re
from collections import Counter

from wikistream_dagster.bench import chaos_count as cc
from wikistream_dagster.bench.chaos_audit import StreamAudit
from wikistream_dagster.bench.chaos_faults import Injector
from wikistream_dagster.bench.chaos_stack import ChaosStack
from wikistream_dagster.config import DLQ_TOPIC, RAW_TOPIC
from wikistream_dagster.contracts.tables import BRONZE_TABLE, SILVER_TABLE

AUDIT_MIN_COVERAGE = 0.99  # below this the stream audit missed part of the run: no verdict
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def served_log_ids(stack: ChaosStack) -> set[str] | None:
    """meta.ids the twin logged as completely served (None: today's replay has no such log)."""
    if not stack.served_log.exists():
        return None
    return {m.group(0) for line in stack.served_log.open() if (m := _UUID.search(line))}


def _served(
    audit_ids: list[str], served_log: set[str] | None, received: set[str]
) -> tuple[set[str], int]:
    """What the source served, in the stretch of the stream the pipeline was reading: from the
    first to the last event it received, in stream order (the audit's). Before it the producer
    had not started; after it the source stopped while the producer was still behind (a
    reconnect, a restart), which is lag, not loss. Also returns how many events that tail held.
    """
    at = {x: i for i, x in enumerate(audit_ids)}
    hits = [at[x] for x in received if x in at]
    lo, hi = (min(hits), max(hits)) if hits else (0, -1)
    served = set(audit_ids[lo : hi + 1])
    served |= {x for x in served_log or () if x not in at or lo <= at[x] <= hi}
    return served, len(audit_ids) - hi - 1


def figures(
    stack: ChaosStack,
    audit: StreamAudit,
    inj: Injector,
    end: dict,
    medallion_ok: bool,
    minutes: float,
    seed: int,
) -> dict:
    s, poison = stack.s, inj.poison_ids
    raw = cc.read_topic(s.kafka_bootstrap, RAW_TOPIC)
    dlq = cc.read_topic(s.kafka_bootstrap, DLQ_TOPIC)
    keys = Counter(k.decode() for k, _ in raw if k is not None and k.decode() not in poison)
    payloads = {k.decode(): v for k, v in raw if k is not None and k.decode() not in poison}
    audit_ids, audit_payloads = audit.snapshot()
    served_log = served_log_ids(stack)
    served, tail = _served(audit_ids, served_log, set(keys))
    served -= set(poison)
    covered = len(set(audit_ids) & set(keys)) / max(1, len(keys))  # the oracle saw the run
    bronze, silver = (
        cc.id_counts(s, BRONZE_TABLE),
        cc.id_counts(s, SILVER_TABLE),
    )
    expected = {i: payloads.get(i) or audit_payloads.get(i) for i in served | set(payloads)}
    expected = {i: v for i, v in expected.items() if v is not None}
    mismatches = cc.gold_mismatches(cc.expected_gold(expected), cc.lake_gold(s))
    dlq_info = cc.dlq_summary(dlq, poison)
    done = [f for f in inj.done if f["ok"]]
    restarts = max(0, len(stack.bronze_pids) - 1)
    idle_restarts = (
        sum(1 for t, _ in stack.bronze_pids[1:] if inj.idle[0] <= t <= inj.idle[1] + 10)
        if inj.idle
        else 0
    )
    halted = [k for k in ("producer_alive", "producer_receiving", "bronze_running") if not end[k]]
    halted += ["bronze_behind"] if end["bronze_behind"] else []
    halted += ["supervision_gave_up"] if end["gave_up"] else []
    out = {
        "events_served": len(served),
        "raw_distinct": len(keys),
        "raw_duplicates": sum(keys.values()) - len(keys),
        "lost": len(served - (set(keys) & set(bronze) & set(silver))),
        "lost_raw": len(served - set(keys)),
        "lost_bronze": len(set(keys) - set(bronze)),
        "lost_silver": len(set(bronze) - set(silver) - set(poison)),
        "bronze_rows": sum(bronze.values()),
        "bronze_duplicates": sum(bronze.values()) - len(bronze),
        "silver_rows": sum(silver.values()),
        "silver_duplicates": sum(silver.values()) - len(silver),
        "gold_mismatches": len(mismatches),
        "gold_mismatch_examples": mismatches[:5],
        "dlq_records": len(dlq),
        "dlq_reasons": dlq_info["reasons"],
        "poison": {
            i: {"via": via, "dlq_reason": dlq_info["poison"][i]} for i, via in poison.items()
        },
        "poison_in_lake": sum(1 for i in poison if i in bronze or i in silver),
        "faults": len(done),
        "fault_kinds": dict(Counter(f["kind"] for f in done)),
        "faults_not_injected": [f"{f['kind']}: {f['detail']}" for f in inj.done if not f["ok"]],
        "restarts": restarts,
        "idle_restarts": idle_restarts,
        "max_bronze_writers": stack.max_writers,
        "bronze_overlaps": stack.overlaps[:5],
        "halted": bool(halted),
        "halted_because": halted,
        "unexpected_exits": stack.unexpected_exits,
        "final_medallion_ok": medallion_ok,
        "source_oracle": "served log + stream audit" if served_log is not None else "stream audit",
        "audit_connections": audit.connections,
        "audit_events": len(audit_ids),
        "tail_not_yet_received": tail,
        "audit_coverage": round(covered, 4),
        "minutes": minutes,
        "seed": seed,
    }
    failed = [
        k for k in ("lost", "raw_duplicates", "bronze_duplicates", "silver_duplicates") if out[k]
    ]
    failed += [k for k in ("gold_mismatches", "idle_restarts", "poison_in_lake") if out[k]]
    failed += ["halted"] if halted else []
    failed += ["max_bronze_writers"] if stack.max_writers > 1 else []
    failed += ["poison_not_dead_lettered"] if None in dlq_info["poison"].values() else []
    failed += ["final_medallion_failed"] if not medallion_ok else []
    failed += ["faults_not_injected"] if out["faults_not_injected"] else []
    failed += ["audit_incomplete"] if covered < AUDIT_MIN_COVERAGE else []
    out["failed"], out["ok"] = failed, not failed
    if failed:
        out["state_dir"] = str(stack.state)
    return out


def print_summary(f: dict) -> None:
    """Human-readable figures (the CLI prints the JSON line after them with --json)."""
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(f["fault_kinds"].items()))
    print(f"chaos run: {f['minutes']} min, seed {f['seed']}: {f['faults']} faults ({kinds})")
    for line in f["faults_not_injected"]:
        print(f"  not injected: {line}")
    print(
        f"source served {f['events_served']:,} events; raw-events {f['raw_distinct']:,} distinct "
        f"(+{f['raw_duplicates']:,} duplicates); lost {f['lost']:,} (raw {f['lost_raw']:,}, "
        f"bronze {f['lost_bronze']:,}, silver {f['lost_silver']:,})"
    )
    print(
        f"bronze {f['bronze_rows']:,} rows (+{f['bronze_duplicates']:,} duplicates), silver "
        f"{f['silver_rows']:,} rows (+{f['silver_duplicates']:,} duplicates), gold "
        f"mismatches {f['gold_mismatches']}"
    )
    print(
        f"dead letters {f['dlq_records']:,} {f['dlq_reasons']}; poison {f['poison']}; bronze "
        f"restarts {f['restarts']} (during the idle gap {f['idle_restarts']}), at most "
        f"{f['max_bronze_writers']} writer(s); halted {f['halted']} {f['halted_because']}"
    )
    print("all invariants hold" if f["ok"] else f"FAILED: {', '.join(f['failed'])}")
