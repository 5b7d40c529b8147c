"""Shared test set-up: the loopback guard for every test; plugins with fixtures live next to what they serve."""

import pytest

from tests.loopback import guarded

pytest_plugins = ["tests.fakes.fixtures", "tests.app_fixtures", "tests.redis_fixtures"]


@pytest.fixture(scope="session", autouse=True)
def loopback_guard():
    """In this process no socket may connect (or name lookup run) beyond 127.0.0.0/8, ::1 or a unix socket."""
    with guarded() as guard:
        yield guard


@pytest.fixture(autouse=True)
def loopback_only(loopback_guard, request):
    """A test whose code tried to leave the machine fails, even when the app turned the refusal into a 502."""
    loopback_guard.blocked.clear()
    yield
    blocked, loopback_guard.blocked[:] = list(loopback_guard.blocked), []
    if blocked and "blocked_connections" not in request.fixturenames:
        pytest.fail(f"loopback guard: this test tried to reach {', '.join(blocked)} (only loopback is allowed; "
                    "ask for the blocked_connections fixture if the attempt is the point of the test)", pytrace=False)


@pytest.fixture
def blocked_connections(loopback_guard):
    """For a test that provokes an outbound attempt on purpose: the addresses the guard refused during it."""
    return loopback_guard.blocked
