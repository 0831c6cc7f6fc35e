"""A fast loopback HTTP sink that answers like Mastodon, in its own process.

The benchmarks post thousands of statuses; a sink slower than the client
would measure itself. This one is a bare asyncio HTTP/1.1 server (keep-alive,
Content-Length bodies) answering ``POST /api/v1/statuses`` with a status and
``GET /api/v2/instance`` with a 500-character limit. With ``--record FILE`` it
writes, for every status, the time it arrived (when its request head was
read) and the id it was given, so the fire-lag benchmark can match each
status to its outbox row and slot.

Run: ``python -m bench.sink [--record FILE]``; it prints ``PORT <n>`` when ready
and stops on SIGTERM or when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import sys
import time

INSTANCE = json.dumps(
    {"domain": "127.0.0.1", "configuration": {"statuses": {"max_characters": 500}}}
).encode()


class Sink:
    def __init__(self, record: str | None) -> None:
        self.ids = itertools.count(100_000)
        self.record = open(record, "w", encoding="utf-8") if record else None  # noqa: SIM115
        self.count = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line[:15].lower() == "content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
                writer.write(self.answer(method, path, body, arrived))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            return  # the sink is stopping with the connection still open
        finally:
            writer.close()

    def answer(self, method: str, path: str, body: bytes, arrived: float) -> bytes:
        if method == "GET" and path.startswith("/api/v2/instance"):
            return _response(200, INSTANCE)
        if method == "POST" and path.startswith("/api/v1/statuses"):
            self.count += 1
            status_id = str(next(self.ids))
            if self.record:
                self.record.write(f"{arrived:.6f}\t{status_id}\n")
                self.record.flush()
            data = {"id": status_id, "url": f"http://127.0.0.1/@bench/{status_id}"}
            return _response(200, json.dumps(data).encode())
        return _response(404, b'{"error":"not found"}')


def _response(status: int, payload: bytes) -> bytes:
    reason = "OK" if status == 200 else "Not Found"
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + payload


async def serve(record: str | None) -> None:
    sink = Sink(record)
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.read(1) else None)
    async with server:
        await stop.wait()
    if sink.record:
        sink.record.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", help="write the arrival time and id of every status here")
    asyncio.run(serve(parser.parse_args().record))


if __name__ == "__main__":
    main()
