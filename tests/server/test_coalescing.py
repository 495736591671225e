"""A response's writes in one turn of the event loop leave together (server/connections.py), over a
real TCP connection on 127.0.0.1; a large answer is not held back."""

from __future__ import annotations

import asyncio
import socket

from r2pgraph.server.connections import COALESCE_BYTES, CoalescingTransport


async def _pair() -> tuple[CoalescingTransport, socket.socket]:
    loop = asyncio.get_running_loop()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        peer, _ = server.accept()
    peer.setblocking(False)
    return CoalescingTransport(transport, loop), peer  # type: ignore[arg-type]


def _received(peer: socket.socket) -> bytes:
    try:
        return peer.recv(1 << 20)
    except BlockingIOError:
        return b""


async def _next_turns(peer: socket.socket, want: int) -> bytes:
    """What the peer has received once ``want`` bytes are there (or 200 turns of the loop passed)."""
    got = b""
    for _ in range(200):
        await asyncio.sleep(0)
        got += _received(peer)
        if len(got) >= want:
            break
    return got


def test_writes_in_one_turn_leave_together_at_its_end() -> None:
    async def scenario() -> None:
        transport, peer = await _pair()
        try:
            transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
            transport.write(b"hello")
            assert _received(peer) == b""  # nothing has left yet: the turn is not over
            assert transport.get_write_buffer_size() == 43
            got = await _next_turns(peer, 43)
            assert got == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            transport.write(b"bye")
            transport.close()  # what was written before the close is sent
            peer.setblocking(True)
            peer.settimeout(5)
            assert peer.recv(100) == b"bye"
        finally:
            peer.close()

    asyncio.run(scenario())


def test_a_large_answer_is_not_held_back() -> None:
    async def scenario() -> None:
        transport, peer = await _pair()
        try:
            transport.write(b"x" * COALESCE_BYTES)
            peer.setblocking(True)
            peer.settimeout(5)
            assert peer.recv(1) == b"x"  # sent at once, within the same turn
        finally:
            transport.close()
            peer.close()

    asyncio.run(scenario())
