"""checkov over infra/: no failed check; each check that does not apply is skipped with a reason."""

import re
from pathlib import Path

INFRA = Path(__file__).resolve().parents[2] / "infra"
SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?$", re.MULTILINE)


def inline_skips() -> list[tuple[str, str, str]]:
    return [
        (str(tf.relative_to(INFRA)), check, (reason or "").strip())
        for tf in sorted(INFRA.rglob("*.tf"))
        for check, reason in SKIP.findall(tf.read_text())
    ]


def test_checkov_reports_no_failed_check(checkov_report):
    summary = checkov_report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for c in checkov_report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0, "checkov failed checks:\n" + "\n".join(failed)
    assert summary["parsing_errors"] == 0, "checkov could not parse part of infra/"
    assert summary["passed"] > 300, "checkov evaluated suspiciously few checks"


def test_every_inline_skip_has_a_reason():
    skips = inline_skips()
    assert skips, "expected inline skips for the checks that do not apply"
    vague = [f"{path}: {check} '{reason}'" for path, check, reason in skips if len(reason) < 30]
    assert not vague, "each #checkov:skip needs a real reason:\n" + "\n".join(vague)


def test_checkov_honours_exactly_the_inline_skips(checkov_report):
    skipped = checkov_report["results"]["skipped_checks"]
    assert skipped, "checkov skipped nothing: the inline skips were not read"
    assert all(c["check_result"].get("suppress_comment") for c in skipped)
    assert {c["check_id"] for c in skipped} == {check for _, check, _ in inline_skips()}


def test_every_skip_silences_a_check_that_would_fail(checkov_report, checkov_report_without_skips):
    """No blanket skips: without the comments, exactly the skipped checks fail. Compared by
    definition (file and resource block): a skip in an internal module covers every call of it,
    and is needed when the check fails for one of them (checkov follows some of a security
    group's attachments across modules and not others)."""

    def key(check):
        return check["check_id"], check["file_path"], ".".join(check["resource"].split(".")[-2:])

    skipped = {key(c) for c in checkov_report["results"]["skipped_checks"]}
    failing = {key(c) for c in checkov_report_without_skips["results"]["failed_checks"]}
    assert skipped == failing, (
        f"needless skips: {skipped - failing}, unskipped: {failing - skipped}"
    )
