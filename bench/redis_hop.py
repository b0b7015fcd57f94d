"""Target 6: what the Redis hop adds when two workers share a room.

The same room on PostgreSQL is served by one worker with the in-process hub, then by two
workers sharing changes through Redis (clients spread over both by the shared socket). A member
posts comments (`POST /api/v1/campaigns/{id}/comments`), which are pushed at once, not
coalesced like tallies, so the figure is the hop itself: the time from just before the post to
each client receiving `comment.created`. `--source DIR` serves another checkout of the app.

    .venv/bin/python bench/redis_hop.py
    .venv/bin/python bench/redis_hop.py --clients 20 --rounds 5       # a smoke run
"""

import argparse
import time
from pathlib import Path
from typing import Any

from harness import (
    REDIS_URL,
    ROOT,
    Report,
    Sockets,
    call,
    connections,
    disconnects,
    fresh_postgres,
    machine,
    make_room,
    ms,
    percentile,
    start_app,
    supports_workers,
    wait_for_quiet,
    workdir,
)

LIMIT = 0.005


def measure(workers: int, broadcast: str, clients: int, rounds: int, gap: float,
            source: Path) -> dict[str, Any]:
    with workdir() as tmp:
        url = fresh_postgres("bench")
        room = make_room(url, members=50)
        with start_app(tmp, url, workers=workers, broadcast_url=broadcast,
                       source=source) as app, \
                Sockets(f"ws://127.0.0.1:{app.port}/api/v1/campaigns/{room.campaign_id}"
                        "/events", clients, tokens=room.tokens[10:], processes=2) as sockets:
            time.sleep(2)
            sent: dict[int, float] = {}
            for k in range(rounds):
                t0 = time.time()
                status, body = call(app.port, "POST",
                                    f"/api/v1/campaigns/{room.campaign_id}/comments",
                                    token=room.tokens[k % 10],
                                    body={"text": f"Round {k}: is the bus on time today?"})
                assert status == 201, (status, body)
                sent[int(body["id"])] = t0
                time.sleep(gap)
            time.sleep(1)
            received = sockets.collect()
            rss = app.workers()
    latencies = []
    lost = 0
    for box in connections(received):
        got = {key: when for kind, key, _, when in box if kind == "c"}
        for comment_id, t0 in sent.items():
            if comment_id in got:
                latencies.append(got[comment_id] - t0)
            else:
                lost += 1
    return {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "lost": lost,
            "disconnects": len(disconnects(received)), "rss": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description="the Redis hop between two workers")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between comments")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the checkout of the app to serve (needs serve --workers)")
    args = parser.parse_args()
    if not supports_workers(args.source):
        raise SystemExit(f"{args.source} has no `serve --workers`: pass --source with a "
                         "checkout that has it")
    wait_for_quiet(args.clients > 300)
    print(f"machine: {machine()}")
    one = measure(1, "", args.clients, args.rounds, args.gap, args.source)
    via = measure(1, REDIS_URL, args.clients, args.rounds, args.gap, args.source)
    two = measure(2, REDIS_URL, args.clients, args.rounds, args.gap, args.source)
    report = Report(f"Redis hop, {args.clients:,} clients, {args.rounds} comments, PostgreSQL")
    for name, found in (("1 worker, in-process hub", one), ("1 worker through Redis", via),
                        ("2 workers through Redis", two)):
        report.add(f"{name}: p50 / p99", f"{ms(found['p50'])} / {ms(found['p99'])}")
        report.add(f"{name}: lost / disconnects", f"{found['lost']} / {found['disconnects']}",
                   "0 / 0", found["lost"] == found["disconnects"] == 0)
    extra = two["p50"] - one["p50"]
    report.add("extra at p50, two workers on Redis", ms(extra), "≤ 5 ms", extra <= LIMIT)
    report.notes.append("RSS KiB by process, two workers: " + ", ".join(
        f"{pid}: {kib:,}" for pid, kib in two["rss"].items()))
    report.print()


if __name__ == "__main__":
    main()
