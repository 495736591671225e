"""The build's handling of Python's cycle collector: paused while loading, frozen while in use."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import gc
from r2pgraph.build import collector

seen = []
with collector.paused():
    seen.append(gc.isenabled())
seen.append(gc.isenabled())
gc.disable()
with collector.paused():
    pass
seen.append(gc.isenabled())  # a collector that was off stays off
gc.enable()

kept = [[i] for i in range(1000)]
with collector.frozen():
    seen.append(gc.get_freeze_count() > len(kept))
    with collector.frozen():  # an inner block leaves the outer block's objects frozen
        pass
    seen.append(gc.get_freeze_count() > len(kept))
seen.append(gc.get_freeze_count())
print(seen)
"""


def test_the_collector_is_paused_and_restored_and_frozen_blocks_nest() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[False, True, False, True, True, 0]"
