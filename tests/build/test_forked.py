"""A build step run in a forked process: its value, its errors and its death reach the parent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, os, sys
from r2pgraph.build.forked import Forked, StepCrashed

def value():
    return {"pid": os.getpid(), "items": list(range(3))}

def fails():
    raise OSError("No space left on device")

def dies():
    os._exit(3)

def frozen():
    return {"pid": os.getpid(), "items": [gc.get_freeze_count() > len(kept)]}

kept = [[i] for i in range(1000)]  # objects the parent made before forking
step = {"value": value, "fails": fails, "dies": dies, "frozen": frozen}[sys.argv[1]]
with Forked(step, "exports") as task:
    try:
        result, seconds = task.result()
    except StepCrashed as e:
        print("crashed:", e)
    else:
        print(task.forked, result["pid"] != os.getpid(), result["items"], seconds >= 0)
        print("parent's frozen objects:", gc.get_freeze_count())
"""


def run(kind: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, kind], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_single_threaded_process_forks_the_step_and_gets_its_value() -> None:
    assert run("value").splitlines()[0] == "True True [0, 1, 2] True"


def test_the_childs_garbage_collector_leaves_the_parents_objects_alone() -> None:
    # Frozen in the child (a collection there would write to each and copy its page), collected
    # as usual in the parent.
    assert run("frozen").splitlines() == ["True True [True] True", "parent's frozen objects: 0"]


def test_an_error_in_the_step_is_raised_in_the_parent_with_its_message() -> None:
    assert run("fails") == "crashed: exports failed to run: OSError: No space left on device"


def test_a_step_whose_process_dies_is_reported_with_the_exit_code() -> None:
    assert run("dies") == "crashed: exports stopped without a result (its process exited with code 3)"


ORPHAN = """
import os, sys, time
from r2pgraph.build.forked import Forked

def linger():
    print(os.getpid(), flush=True)
    time.sleep(120)

with Forked(linger, "exports") as task:
    task.result()
"""


def test_a_step_dies_with_its_parent_so_it_cannot_hold_the_build_lock_it_inherited() -> None:
    """A build killed with SIGKILL takes its forked steps with it: an orphaned step would keep the
    build directory's flock (inherited with the descriptor) and refuse the next build."""
    import os
    import signal
    import time

    parent = subprocess.Popen([sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state in ("Z", "X"):  # dead, waiting for its new parent to reap it
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError(f"the forked step {child} outlived its killed parent")
