"""A clock the test moves by hand, for code that takes a clock (throttles, caches)."""


class FakeClock:
    """A monotonic clock the test moves by hand: set .now."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now
