"""Run a CPU-heavy call off the event loop when serving under gevent; a plain call otherwise."""

import sys


def _patched():
    """True in a gevent worker (gunicorn's gevent worker monkey-patches at worker start)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def off_loop(fn, *args, **kwargs):
    """fn(*args, **kwargs), in gevent's native thread pool when the loop would otherwise stall on it."""
    if _patched():
        import gevent

        # hashlib.scrypt releases the GIL, so other greenlets keep running while it works.
        return gevent.get_hub().threadpool.apply(fn, args, kwargs)
    return fn(*args, **kwargs)


def cooperative():
    """True when blocking waits should be turned into short sleeps that let other greenlets run."""
    return _patched()


def thread_local():
    """A threading.local of the OS thread: under gevent the patched one is per greenlet (per request)."""
    import threading

    if _patched():
        from gevent import monkey

        return monkey.get_original("threading", "local")()
    return threading.local()


def in_parallel(calls):
    """[call() for call in calls] run at the same time: greenlets under gevent (patched threads), OS threads
    otherwise; each slot holds the call's result or the exception it raised."""
    import threading

    results = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, which decides
            results[i] = exc

    workers = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def os_thread(target, name):
    """Start `target` on a real OS thread (a daemon), even under gevent: its blocking work never stalls the loop."""
    import threading

    if _patched():
        from gevent import monkey

        # The original Thread class would still build patched locks; the bare start_new_thread does not.
        return monkey.get_original("_thread", "start_new_thread")(target, ())
    return threading.Thread(target=target, name=name, daemon=True).start()


def os_sleep(seconds):
    """time.sleep of the OS thread (the patched one would yield to a hub that thread does not run)."""
    import time

    if _patched():
        from gevent import monkey

        return monkey.get_original("time", "sleep")(seconds)
    return time.sleep(seconds)


def os_lock():
    """A lock of OS threads, usable from greenlets and real threads alike (held only for short work)."""
    import threading

    if _patched():
        from gevent import monkey

        return monkey.get_original("_thread", "allocate_lock")()
    return threading.Lock()
