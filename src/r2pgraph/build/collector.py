"""Python's cycle collector and the millions of long-lived objects a build makes.

Loading data makes millions of objects that live until the build ends, and almost no cyclic
garbage; each full pass of the collector walks all of them. At 1,000 synthetic states these passes
took half of the load (29.1 s against 15.6 s with the collector paused). ``paused`` stops the
collector while such objects are made; ``frozen`` leaves the objects made so far out of its passes
(also in processes forked meanwhile, where a pass would write to each object and so copy every
page of the parent's heap).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cycle collection in the block; the collector is restored (if it was on) at its end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """The objects made so far stay out of the collector's passes until the block ends, or until
    an enclosing ``frozen`` block ends (which then owns them)."""
    enclosed = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not enclosed:
            gc.unfreeze()
