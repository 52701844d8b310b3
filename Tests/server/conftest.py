"""pytest fixtures of the server tests: `server` runs each test against every server named
by OMENDB_TEST_SERVERS (comma-separated: postgres, omendb; default both), each started once
per session. PostgreSQL validates the tests themselves: a test that fails against it is wrong.
`seed` is the session's random seed (OMENDB_TEST_SEED, else random), printed."""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

KINDS = [k.strip() for k in os.environ.get("OMENDB_TEST_SERVERS", "postgres,omendb").split(",") if k.strip()]
SEED = int(os.environ.get("OMENDB_TEST_SEED") or random.SystemRandom().randrange(2**32))


def pytest_report_header(config):
    return [f"servers: {', '.join(KINDS)}; seed: {SEED} (OMENDB_TEST_SEED={SEED} reruns it)"]


@pytest.fixture(scope="session", params=KINDS)
def server(request):
    if request.param == "postgres":
        # synchronous_commit on, fsync on: the durability OmenDB's default sync mode gives.
        instance = harness.Postgres(fsync="on", synchronous_commit="on")
    elif request.param == "omendb":
        instance = harness.OmenServer()
    else:
        raise ValueError(f"OMENDB_TEST_SERVERS: unknown server {request.param!r}")
    with instance:
        yield instance
        if not instance.alive():
            pytest.fail(f"{instance.name} died during the tests:\n{harness.log_tail(instance.log)}")


@pytest.fixture(autouse=True)
def server_survives(request):
    """A test after which its server is dead fails (with the log's tail), and the server is
    started again so that the remaining tests still say something."""
    yield
    if "server" not in request.fixturenames:
        return
    instance = request.getfixturevalue("server")
    if not instance.alive():
        tail = harness.log_tail(instance.log)
        status = instance.process.returncode if instance.process is not None else None
        try:
            instance.stop()
        except harness.ServerError:
            pass
        instance.start()
        pytest.fail(f"{instance.name} died during this test (exit status {status}); restarted "
                    f"for the next tests. Log tail:\n{tail}")


@pytest.fixture
def seed(request):
    # One seed per test, derived from the session seed and the test's name.
    return random.Random(f"{SEED}/{request.node.name}").randrange(2**32)
