"""Soft checks for the Python tests: each prints ok or FAIL with what it checked, so one run shows
every failure; the test exits non-zero at the end if any failed."""
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    failures += 0 if ok else 1
    return ok


def exit_code():
    return 1 if failures else 0
