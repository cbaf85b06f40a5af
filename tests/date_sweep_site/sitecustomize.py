"""Moves the wall clock of a Python process a test started, for tests/date_sweep.py (never loaded otherwise).

``DATE_SWEEP_OFFSET`` (seconds, set by the sweep for the test that starts this process) shifts ``time.time``,
``datetime.now`` and their kin, as time-machine does in the test's own process; monotonic clocks stay real.
"""

import os

_offset = os.environ.get("DATE_SWEEP_OFFSET")
if _offset:
    try:
        import time

        import time_machine
    except ImportError:  # a Python without time-machine (an install test's fresh venv) keeps the real clock
        pass
    else:
        time_machine.travel(time.time() + float(_offset), tick=True).start()
