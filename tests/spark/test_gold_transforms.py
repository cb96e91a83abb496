"""Silver rows -> gold tables (stats, trends, risk), on small explicit DataFrames."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from wikistream_dagster.spark_jobs.transforms import gold, risk

pytestmark = pytest.mark.slow

SILVER = (
    "event_id string, event_time timestamp, event_date date, event_hour int, wiki string, "
    "type string, title string, user string, is_bot boolean, is_anonymous boolean, "
    "length_old long, length_new long, byte_delta long, comment string"
)
H16 = datetime(2018, 3, 7, 16)


def row(
    i,
    t=H16,
    wiki="w",
    type="edit",
    title="P",
    user="U",
    bot=False,
    anon=False,
    old=1000,
    new=1100,
    comment="fix",
):
    delta = None if type not in ("edit", "new") else new - (old or 0)
    return (
        f"e{i}",
        t,
        t.date(),
        t.hour,
        wiki,
        type,
        title,
        user,
        bot,
        anon,
        old,
        new,
        delta,
        comment,
    )


def test_hourly_edit_stats(spark):
    rows = [
        row(1, user="A", old=100, new=300),  # +200
        row(2, user="A", old=300, new=200, bot=True),  # -100
        row(3, type="new", user="B", old=None, new=50),  # +50
        row(4, type="log", user="C", old=None, new=None),
        row(5, user="1.2.3.4", anon=True, old=10, new=10),  # 0
        row(6, wiki="other", user="A"),
    ]
    out = {
        r["wiki"]: r for r in gold.hourly_edit_stats(spark.createDataFrame(rows, SILVER)).collect()
    }
    w = out["w"]
    assert (w["events"], w["edits"], w["new_pages"], w["log_events"]) == (5, 3, 1, 1)
    assert w["events_by_type"] == {"edit": 3, "new": 1, "log": 1}
    assert w["distinct_editors"] == 4 and w["bot_events"] == 1 and w["bot_share"] == 0.2
    assert w["anonymous_events"] == 1 and w["anonymous_share"] == 0.2
    assert (w["bytes_added"], w["bytes_removed"]) == (250, 100)
    assert w["mean_abs_byte_delta"] == pytest.approx((200 + 100 + 50 + 0) / 4)
    assert w["p95_abs_byte_delta"] == pytest.approx(100 + (200 - 100) * 0.85)  # [0,50,100,200]
    assert w["hour_start"] == H16 and out["other"]["events"] == 1


def test_entity_trends_scores_against_own_baseline(spark):
    rows, i = [], 0
    for back in range(1, 25):  # "Steady" edits twice an hour for 24 hours...
        for _ in range(2):
            i += 1
            rows.append(row(i, t=H16 - timedelta(hours=back), user="Steady", title=f"S{i}"))
    for _ in range(10):  # ...then 10 times; "New" appears with 5 edits; "Few" with 2
        i += 1
        rows.append(row(i, user="Steady", title=f"S{i}"))
    for user, n in (("New", 5), ("Few", 2)):
        for _ in range(n):
            i += 1
            rows.append(row(i, user=user, title=f"T{i}"))
    target = spark.createDataFrame([(date(2018, 3, 7), 16)], "event_date date, event_hour int")
    out = {
        (r["entity_type"], r["entity"]): r
        for r in gold.entity_trends(spark.createDataFrame(rows, SILVER), target).collect()
    }
    assert set(out) == {("editor", "Steady"), ("editor", "New")}
    steady, new = out[("editor", "Steady")], out[("editor", "New")]
    assert steady["baseline_mean"] == 2.0 and steady["baseline_std"] == 0.0
    assert steady["score"] == pytest.approx((10 - 2) / (0 + 2 + 1) ** 0.5)
    assert new["score"] == pytest.approx(5.0) and new["baseline_hours"] == 24
    assert (new["rank"], steady["rank"]) == (1, 2)
    assert (steady["event_date"], steady["event_hour"]) == (date(2018, 3, 7), 16)


def test_risk_reasons_and_noisy_or_score(spark):
    t = H16 + timedelta(minutes=30)
    rows = [
        row(1, t=t, user="1.2.3.4", anon=True, comment=""),
        row(2, t=t, user="Vandal", old=5000, new=10),
        row(3, t=t, user="Cutter", old=3000, new=500, comment="trim"),
        row(4, t=t, user="BotX", bot=True, old=5000, new=10),
        row(5, t=t, user="Calm", comment="typo"),
    ]
    rows += [
        row(10 + k, t=t + timedelta(seconds=k), user="Burst", title=f"B{k}") for k in range(10)
    ]
    rows += [
        row(30 + k, t=t + timedelta(minutes=k), user=u, title="War", comment=c)
        for k, (u, c) in enumerate(
            [("X", "add"), ("Y", "Reverted edits by X"), ("X", "undo"), ("Y", "rv")]
        )
    ]
    # One editor reverting twice is no edit war.
    rows += [
        row(40 + k, t=t + timedelta(minutes=k), user="Z", title="Solo", comment=c)
        for k, c in enumerate(["rv", "undo"])
    ]
    scores = {
        r["event_id"]: r for r in risk.score_edits(spark.createDataFrame(rows, SILVER)).collect()
    }
    w = risk.WEIGHTS
    assert scores["e1"]["reasons"] == ["anonymous_editor", "empty_comment"]
    assert scores["e1"]["risk_score"] == pytest.approx(
        1 - (1 - w["anonymous_editor"]) * (1 - w["empty_comment"]), abs=1e-4
    )
    assert scores["e2"]["reasons"] == ["blanking"] and scores["e2"]["risk_score"] == 0.6
    assert scores["e3"]["reasons"] == ["large_removal"]
    assert scores["e4"]["risk_score"] == pytest.approx(0.6 * risk.BOT_FACTOR)
    assert scores["e5"]["reasons"] == [] and scores["e5"]["risk_score"] == 0.0
    assert [scores[f"e{10 + k}"]["reasons"] for k in (8, 9)] == [[], ["editor_burst"]]
    assert scores["e31"]["reasons"] == ["revert_comment"]
    assert scores["e41"]["reasons"] == ["revert_comment"]
    assert scores["e32"]["reasons"] == ["edit_war", "revert_comment"]
    assert scores["e33"]["reasons"] == ["edit_war", "revert_comment"]

    editors = {
        r["user"]: r
        for r in risk.editor_risk(risk.score_edits(spark.createDataFrame(rows, SILVER))).collect()
    }
    assert editors["Y"]["edits"] == 2 and editors["Y"]["reasons"] == ["edit_war", "revert_comment"]
    assert editors["Vandal"]["risky_edits"] == 1 and editors["Vandal"]["max_risk"] == 0.6
    assert editors["1.2.3.4"]["is_anonymous"] is True and editors["BotX"]["is_bot"] is True


def test_revert_prefilter_keeps_the_regular_expressions_answer(spark):
    """The cheap word test before REVERT_RE only skips comments the expression cannot match."""
    import re

    from pyspark.sql import functions as F

    from wikistream_dagster.spark_jobs.transforms import risk

    comments = [
        "Reverted edits by X",
        "REVERTING vandalism",
        "undo revision 123",
        "Undid revision 4 by Y",
        "rv",
        "RVV",
        "rvs spam",
        "server move",
        "rollback",
        "Rolled back edits",
        "Restored previous revision",
        "restore a revision",
        "restoring",
        "reverter",
        "ROLLBAC\u212a",  # KELVIN SIGN: lower() makes it "k", the expression does not
        "",
        None,
        "Irrelevant comment",
        "/* wbeditentity-update:0| */ undo",
    ]
    df = spark.createDataFrame([(c,) for c in comments], "comment string")
    got = [r["r"] for r in df.select(risk.is_revert(F.col("comment")).alias("r")).collect()]
    java_like = re.compile(risk.REVERT_RE[4:], re.IGNORECASE | re.ASCII)
    expected = [bool(c) and java_like.search(c) is not None for c in comments]
    assert got == expected and sum(expected) >= 10
