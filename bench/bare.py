"""The ceiling: a bare `websockets` server that only broadcasts.

Clients connect to any path except /trigger and are sent nothing until a trigger. A connection
to /trigger sends a number N; the server then sends every other client one message shaped like
the app's tally, `{"id": null, "kind": "poll.tally", "data": {"poll_id": 0, "ballots": N}}`
(padded to the size of a real tally), with `websockets.broadcast`: the same bytes to everyone,
no database, no rendering, no queues. The harness drives it through the same client processes
as the app.

    python bench/bare.py --port 8765
"""

import argparse
import asyncio
import json

from websockets.asyncio.server import ServerConnection, broadcast, serve

# A real tally of a three-option single-choice poll is about this long.
PAD = "x" * 180

clients: set[ServerConnection] = set()


async def handler(websocket: ServerConnection) -> None:
    path = websocket.request.path if websocket.request else ""
    if path.startswith("/trigger"):
        async for number in websocket:
            message = json.dumps({"id": None, "kind": "poll.tally",
                                  "data": {"poll_id": 0, "ballots": int(number), "pad": PAD}},
                                 separators=(",", ":"))
            broadcast(clients, message)
            await websocket.send("sent")
        return
    clients.add(websocket)
    try:
        await websocket.wait_closed()
    finally:
        clients.discard(websocket)


async def main(host: str, port: int) -> None:
    async with serve(handler, host, port, backlog=2048, ping_interval=20, ping_timeout=20,
                     max_size=4096) as server:
        print(f"bare broadcast server on {host}:{port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    try:
        import uvloop  # what uvicorn runs the app on, so both sides get the same loop
    except ImportError:
        asyncio.run(main(args.host, args.port))
    else:
        uvloop.run(main(args.host, args.port))
