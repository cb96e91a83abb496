"""The jar names EMR's ``spark.jars`` lists are derived from the bundles' Maven coordinates; here
they are compared with the files Maven really resolves those bundles to (the shared jar cache)."""

from __future__ import annotations

import pytest

from tests.aws_example import AWS
from wikistream_dagster.aws.artifacts import EMR_BUNDLES, EMR_JARS, JARS_DIR
from wikistream_dagster.config import load_settings
from wikistream_dagster.local.maven import ensure_bundle
from wikistream_dagster.resources.emr import start_job_run_params


@pytest.mark.parametrize("bundle", EMR_BUNDLES, ids=lambda b: b.name)
def test_the_named_jars_are_what_maven_resolves(bundle):
    lib = ensure_bundle(bundle, load_settings().jars_dir)
    assert sorted(bundle.jar_names()) == sorted(j.name for j in lib.glob("*.jar"))


def test_the_request_lists_every_jar_once():
    conf = start_job_run_params("silver", [], aws=AWS, client_token="t")["jobDriver"]
    listed = [
        p.split("=", 1)[1]
        for p in conf["sparkSubmit"]["sparkSubmitParameters"].split(" --conf ")
        if p.startswith("spark.jars=")
    ]
    (jars,) = listed
    names = [uri.rsplit(f"/{JARS_DIR}/", 1)[1] for uri in jars.split(",")]
    assert names == list(EMR_JARS) and len(set(names)) == len(names) == 8
