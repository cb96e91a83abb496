"""The Dagster UI in a real browser: `dagster dev` started by the test, headless Chromium driven
by Playwright finds every asset and check, launches a silver materialization and sees it succeed.

Screenshots are saved under test-artifacts/ (the asset graph and the finished run).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from wikistream_dagster.local import dagster_home

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ASSETS = [
    "recentchange",
    "raw_events",
    "dlq_events",
    "wiki_events",
    "wiki_events_cleaned",
    "quality_history",
    "hourly_edit_stats",
    "entity_trends",
    "risk_scores",
    "editor_risk",
]
CHECKS = [
    "event_id_complete",
    "event_id_unique",
    "type_known",
    "event_time_not_future",
    "wiki_domain_consistent",
]


@pytest.fixture(scope="module")
def dagster_url(stack_settings, kafka_broker, catalog, tmp_path_factory):
    env = dagster_home.dev_env(stack_settings) | {"WIKISTREAM_AUTOSTART": "false"}
    log = tmp_path_factory.mktemp("dagster") / "dagster-dev.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            dagster_home.dev_command(stack_settings),
            env=env,
            cwd=stack_settings.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{stack_settings.dagster_port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/server_info", timeout=2)
            break
        except OSError:
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(1)
    else:
        pytest.fail(f"dagster dev did not answer within 180 s: {log.read_text()[-3000:]}")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:  # a slow shutdown must not fail the tests
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium not found: apt-get install chromium (.ci/run installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser.new_page(viewport={"width": 1800, "height": 2400})
        browser.close()


def _dismiss_first_run_dialog(page) -> None:
    """Close Dagster's first-run dialog and wait until its backdrop is gone.

    On a busy machine the dialog opens seconds after the page has loaded, and its backdrop
    then intercepts every click (seen in CI: the group toggles timed out behind it).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("button", name="Skip").first
    try:
        skip.wait_for(state="visible", timeout=8_000)
        skip.click()
    except PlaywrightTimeout:
        pass  # no dialog (already dismissed in this browser context)
    page.locator(".bp5-overlay-backdrop").first.wait_for(state="hidden", timeout=15_000)


def test_asset_graph_shows_every_asset_and_check(dagster_url, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(dagster_url + "/asset-groups", wait_until="networkidle", timeout=90_000)
    page.wait_for_timeout(1500)
    _dismiss_first_run_dialog(page)
    for group in ("gold", "silver", "bronze", "sources"):  # expand each group in the graph
        node = page.locator("foreignObject").filter(has_text=group).first
        if node.count():
            node.locator("svg, [role=img], button").last.click(timeout=10_000)
            page.wait_for_timeout(700)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "asset-graph.png"))
    graph_text = page.locator("#root").inner_text()
    assert "wiki_events_cleaned" in graph_text and "wiki_events" in graph_text

    page.goto(dagster_url + "/assets?view=flat", wait_until="networkidle", timeout=60_000)
    page.wait_for_timeout(1500)
    catalog_text = page.inner_text("body")
    missing = [a for a in ASSETS if a not in catalog_text]
    assert not missing, f"assets missing from the catalog page: {missing}"

    page.goto(
        dagster_url + "/assets/silver/wiki_events_cleaned?view=checks",
        wait_until="networkidle",
        timeout=60_000,
    )
    page.wait_for_timeout(1500)
    checks_text = page.inner_text("body")
    assert not [c for c in CHECKS if c not in checks_text]


def test_materialize_silver_from_the_ui(dagster_url, page):
    page.goto(
        dagster_url + "/assets/silver/wiki_events_cleaned", wait_until="networkidle", timeout=60_000
    )
    _dismiss_first_run_dialog(page)
    page.get_by_role("button", name="Materialize").first.click()
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize")
    dialog.wait_for(timeout=60_000)
    launch = dialog.get_by_role("button", name="Launch 1 run")
    deadline = time.monotonic() + 60
    while not (launch.count() and launch.is_enabled()) and time.monotonic() < deadline:
        dialog.get_by_text("Latest", exact=True).click()  # the latest hour partition
        page.wait_for_timeout(1500)
    launch.click()
    dialog.wait_for(state="hidden", timeout=60_000)
    # A partition launch may go through a (single-run) backfill, whose runs the runs list hides
    # by default: ask the webserver for every run, then open the run's own page.
    run_id, status = _wait_for_finished_run(dagster_url, timeout=300)
    page.goto(f"{dagster_url}/runs/{run_id}", wait_until="networkidle", timeout=60_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(ARTIFACTS / "silver-run.png"))
    assert status == "SUCCESS", f"the silver run {run_id} ended {status}"
    assert "wiki_events_cleaned" in page.inner_text("body")


def _wait_for_finished_run(url: str, timeout: float) -> tuple[str, str]:
    query = "{ runsOrError { ... on Runs { results { runId status } } } }"
    deadline = time.monotonic() + timeout
    runs: list = []
    while time.monotonic() < deadline:
        req = urllib.request.Request(
            url + "/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            runs = json.loads(resp.read())["data"]["runsOrError"]["results"]
        done = [r for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        if done:
            return done[0]["runId"], done[0]["status"]
        time.sleep(3)
    pytest.fail(f"no run finished within {timeout:.0f} s; runs: {runs}")
