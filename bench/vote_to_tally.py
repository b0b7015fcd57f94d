"""Target 2: from a vote to every client showing the new tally, against the bare broadcast.

For each room size, the bare broadcast server and then the app (one worker, SQLite) get the
same number of websocket clients from the same client processes. Each round, one member votes
(`PUT /api/v1/polls/{id}/ballot`; for the bare server, a trigger) and the latency of each client
is the time from just before the vote was sent to the arrival of a tally that counts it.

    .venv/bin/python bench/vote_to_tally.py                # 1,000 and 5,000 clients
    .venv/bin/python bench/vote_to_tally.py --clients 100 --rounds 5   # a smoke run
"""

import argparse
import time
from pathlib import Path
from typing import Any

from harness import (
    Report,
    Sockets,
    ballot_body,
    call,
    connections,
    disconnects,
    duplicate_tallies,
    first_tally_at,
    machine,
    make_room,
    ms,
    percentile,
    sqlite_url,
    start_app,
    start_bare,
    trigger_bare,
    wait_for_quiet,
    workdir,
)

RATIO = {1000: 1.5, 5000: 2.0}  # the target: app p99 / bare p99 at this many clients


def fan_out(received: list[Any], sent_at: list[float], poll_id: int) -> dict[str, Any]:
    """Latencies of every client for every round, and what was lost or came twice."""
    latencies: list[float] = []
    spreads: list[float] = []
    lost = 0
    duplicates = 0
    boxes = list(connections(received))
    for k, t0 in enumerate(sent_at, start=1):
        arrivals = []
        for box in boxes:
            when = first_tally_at(box, poll_id, k)
            if when is None:
                lost += 1
            else:
                latencies.append(when - t0)
                arrivals.append(when)
        if arrivals:
            spreads.append(max(arrivals) - min(arrivals))
    for box in boxes:
        duplicates += duplicate_tallies(box)
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": max(latencies, default=float("nan")), "lost": lost,
            "duplicates": duplicates, "disconnects": len(disconnects(received)),
            "spread": percentile(spreads, 50)}


def run_bare(tmp: Path, clients: int, rounds: int, gap: float,
             processes: int) -> tuple[dict[str, Any], int]:
    with start_bare(tmp) as bare, \
            Sockets(f"ws://127.0.0.1:{bare.port}/events", clients,
                    processes=processes) as sockets:
        assert sockets.opened == clients, sockets.failures[:3]
        rss = bare.rss_kib()
        sent_at = []
        time.sleep(1)
        with trigger_bare(bare.port) as trigger:
            for k in range(1, rounds + 1):
                sent_at.append(time.time())
                trigger.send(str(k))
                trigger.recv()
                time.sleep(gap)
        time.sleep(1)
        result = fan_out(sockets.collect(), sent_at, 0)
    return result, rss


def run_app(tmp: Path, clients: int, rounds: int, gap: float,
            processes: int) -> tuple[dict[str, Any], int, list[float]]:
    room = make_room(sqlite_url(tmp), members=rounds + 50)
    poll_id = room.poll_ids[0]
    option = room.options[poll_id][0]
    url_ = f"ws://127.0.0.1:{{port}}/api/v1/campaigns/{room.campaign_id}/events"
    with start_app(tmp, room.database_url) as app, \
            Sockets(url_.format(port=app.port), clients, tokens=room.tokens[rounds:],
                    processes=processes) as sockets:
        assert sockets.opened == clients, sockets.failures[:3]
        rss = app.rss_kib()
        sent_at = []
        acks = []
        time.sleep(1)
        for k in range(1, rounds + 1):
            t0 = time.time()
            status, body = call(app.port, "PUT", f"/api/v1/polls/{poll_id}/ballot",
                                token=room.tokens[k - 1], body=ballot_body(option, f"v{k}"))
            assert status == 200, (status, body)
            acks.append(time.time() - t0)
            sent_at.append(t0)
            time.sleep(gap)
        time.sleep(1.5)
        result = fan_out(sockets.collect(), sent_at, poll_id)
    return result, rss, acks


def main() -> None:
    parser = argparse.ArgumentParser(description="vote to tally on every client vs bare")
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.6, help="seconds between votes")
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    args = parser.parse_args()
    wait_for_quiet(max(args.clients) > 300)
    print(f"machine: {machine()}")
    for clients in args.clients:
        with workdir() as tmp:
            bare, bare_rss = run_bare(tmp, clients, args.rounds, args.gap, args.processes)
        with workdir() as tmp:
            app, app_rss, acks = run_app(tmp, clients, args.rounds, args.gap, args.processes)
        limit = RATIO.get(clients, 2.0)
        ratio = app["p99"] / bare["p99"]
        report = Report(f"Vote to tally, {clients:,} clients, {args.rounds} votes")
        for name, found in (("bare broadcast", bare), ("app", app)):
            report.add(f"{name} p50", ms(found["p50"]))
            report.add(f"{name} p99", ms(found["p99"]))
            report.add(f"{name} max", ms(found["max"]))
            report.add(f"{name} first-to-last client (median)", ms(found["spread"]))
            report.add(f"{name} lost / duplicate / disconnects",
                       f"{found['lost']} / {found['duplicates']} / {found['disconnects']}",
                       "0 / 0 / 0",
                       found["lost"] == found["duplicates"] == found["disconnects"] == 0)
        report.add("app vote acknowledged p50", ms(percentile(acks, 50)))
        report.add("app p99 / bare p99", f"{ratio:.2f}x", f"≤ {limit}x", ratio <= limit)
        report.notes.append(f"server RSS with the clients connected: bare "
                            f"{bare_rss / 1024:.0f} MiB, app {app_rss / 1024:.0f} MiB")
        report.print()


if __name__ == "__main__":
    main()
