"""Target 1: one worker holds 5,000 websocket clients in one campaign room, ≤ 64 KiB each.

Starts the app (one worker, SQLite), reads its memory, connects the clients to one campaign's
event stream (API tokens of 100 members, shared), holds them, casts one vote and checks that
every client got its tally, then reads the memory again. Memory per client is the growth of
the server's VmRSS divided by the number of clients.

    .venv/bin/python bench/room_memory.py
    .venv/bin/python bench/room_memory.py --clients 200 --hold 3      # a smoke run
"""

import argparse
import time

from harness import (
    Report,
    Sockets,
    ballot_body,
    call,
    connections,
    disconnects,
    first_tally_at,
    machine,
    make_room,
    percentile,
    sqlite_url,
    start_app,
    wait_for_quiet,
    workdir,
)

LIMIT_KIB = 64


def main() -> None:
    parser = argparse.ArgumentParser(description="memory of one room of websocket clients")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--hold", type=float, default=20, help="seconds to hold them")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--no-compression", action="store_true",
                        help="clients do not ask for permessage-deflate (browsers do)")
    args = parser.parse_args()
    wait_for_quiet(args.clients > 300)
    print(f"machine: {machine()}")
    with workdir() as tmp:
        room = make_room(sqlite_url(tmp), members=101)
        poll_id = room.poll_ids[0]
        with start_app(tmp, room.database_url) as app:
            # One connection and one vote first, so that what every server has is loaded.
            with Sockets(f"ws://127.0.0.1:{app.port}/api/v1/campaigns/{room.campaign_id}"
                         "/events", 1, tokens=room.tokens[1:2], processes=1):
                call(app.port, "PUT", f"/api/v1/polls/{poll_id}/ballot", token=room.tokens[0],
                     body=ballot_body(room.options[poll_id][0], "warm-up"))
                time.sleep(1)
            time.sleep(1)
            before = app.rss_kib()
            started = time.time()
            with Sockets(f"ws://127.0.0.1:{app.port}/api/v1/campaigns/{room.campaign_id}"
                         "/events", args.clients, tokens=room.tokens[1:], processes=args.processes,
                         compression=None if args.no_compression else "deflate") as sockets:
                opened_in = time.time() - started
                time.sleep(args.hold)
                during = app.rss_kib()
                t0 = time.time()
                status, _ = call(app.port, "PUT", f"/api/v1/polls/{poll_id}/ballot",
                                 token=room.tokens[1], body=ballot_body(room.options[poll_id][1],
                                                                        "held"))
                time.sleep(5)
                received = sockets.collect()
                after = app.rss_kib()
            boxes = list(connections(received))
            arrived = [first_tally_at(box, poll_id, 2) for box in boxes]
            got = [when - t0 for when in arrived if when is not None]
    per_client = (max(during, after) - before) / max(1, sockets.opened)
    report = Report(f"Room memory, {args.clients:,} clients, one worker"
                    + (", without compression" if args.no_compression else ""))
    report.add("clients connected", f"{sockets.opened:,}", f"{args.clients:,}",
               sockets.opened == args.clients)
    report.add("time to connect them all", f"{opened_in:.1f} s")
    report.add("disconnected while held", str(len(disconnects(received))), "0",
               not disconnects(received))
    report.add("got the next tally within 5 s", f"{len(got):,}", f"{sockets.opened:,}",
               len(got) == sockets.opened and status == 200)
    report.add("vote to tally: p50 / slowest client",
               f"{percentile(got, 50) * 1000:.0f} / {max(got, default=0) * 1000:.0f} ms")
    report.add("server RSS before", f"{before / 1024:.1f} MiB")
    report.add("server RSS with the clients", f"{max(during, after) / 1024:.1f} MiB")
    report.add("memory per client", f"{per_client:.1f} KiB", f"≤ {LIMIT_KIB} KiB",
               per_client <= LIMIT_KIB)
    if sockets.failures:
        report.notes.append(f"failures: {sockets.failures[:3]}")
    report.print()


if __name__ == "__main__":
    main()
