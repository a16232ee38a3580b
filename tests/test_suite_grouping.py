"""make test runs two pytest-xdist workers with --dist loadgroup: tests that share an expensive
session workspace (the Spark build, the CT file's workspace, the hostile day) are marked
xdist_group and must run on one worker, or each worker builds its own (pytest 9.2 silently
broke the grouping: pytest-xdist#1386; the Spark build then ran twice, 11 minutes each)."""

import pytest


@pytest.mark.xdist_group("spark")
def test_grouped_tests_run_on_one_worker(request):
    if not request.config.getoption("loadgroup", False):
        pytest.skip("not under pytest-xdist --dist loadgroup (make test)")
    assert request.node.nodeid.endswith("@spark"), f"{request.node.nodeid}: xdist_group was ignored"
