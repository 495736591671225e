"""The query workers' network sandbox: whatever a query says, a worker cannot open a network socket.

A seccomp filter (Linux; libseccomp through ``pyseccomp``) makes ``socket()`` fail with EPERM for
every address family but AF_UNIX (the worker's pipes to the server are AF_UNIX sockets or plain
pipes), and ``io_uring_setup`` too (io_uring can create sockets without the ``socket`` system
call). ``no_new_privs`` is set first, so the filter holds across ``execve`` and needs no privilege.
The filter is installed at the start of each worker, before it reads a query, and cannot be
removed. Where the kernel or the library does not allow it, the worker runs without it and says
so (``/health`` reports ``network_sandbox``); SERVICE is still refused on the parse tree.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import sys

SECCOMP = "seccomp"
_PR_SET_NO_NEW_PRIVS = 38


def _no_new_privs() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {errno.errorcode.get(err, err)}")


def deny_network() -> str:
    """Install the filter in this process. Returns ``"seccomp"``, or ``"none: <reason>"`` when it
    could not be installed (the process then runs as before)."""
    if not sys.platform.startswith("linux"):
        return f"none: seccomp needs Linux, this is {sys.platform}"
    try:
        import pyseccomp as seccomp  # type: ignore[import-untyped]
    except (ImportError, RuntimeError, OSError) as e:  # RuntimeError: libseccomp.so.2 not found
        return f"none: libseccomp unavailable ({e})"
    try:
        _no_new_privs()
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "io_uring_setup")
        rules.load()
    except (OSError, RuntimeError, ValueError) as e:
        return f"none: the seccomp filter could not be installed ({e})"
    return SECCOMP
