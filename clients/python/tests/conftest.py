"""Fixtures: clients for the server that scripts/with-server started (its keys are in the
environment), and a server of the tests' own for the restart and webhook tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from holdpoint import Holdpoint
from ownserver import OwnServer


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests under scripts/with-server")
    return value


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def agent_name() -> str:
    return uid("py-agent")


@pytest.fixture
def hp(agent_name: str) -> Iterator[Holdpoint]:
    """The agent: a test key with `pauses` and `agents`."""
    with Holdpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_KEY"), agent=agent_name) as c:
        yield c


@pytest.fixture
def human() -> Iterator[Holdpoint]:
    """The person deciding, by API: a test key with only `decide`."""
    with Holdpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_DECIDER_KEY")) as c:
        yield c


@pytest.fixture
def operator() -> Iterator[Holdpoint]:
    """Lists pauses and steers agents: a test key with `pauses`, `decide` and `agents` (the
    decider key alone may neither list pauses nor read the fleet)."""
    with Holdpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_TEST_ALL_KEY")) as c:
        yield c


@pytest.fixture
def admin() -> Iterator[Holdpoint]:
    """A live `admin` key on a throw-away workspace."""
    with Holdpoint(env("HOLDPOINT_URL"), env("HOLDPOINT_SCRATCH_ADMIN_KEY")) as c:
        yield c


@pytest.fixture(scope="session")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    server = OwnServer(env("HOLDPOINT_BIN"), tmp_path_factory.mktemp("holdpoint-data"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
