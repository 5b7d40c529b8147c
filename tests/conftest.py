"""Shared test set-up: plugins with fixtures live next to what they serve."""

pytest_plugins = ["tests.fakes.fixtures", "tests.app_fixtures"]
