"""Target 3: a burst of 5,000 distinct members voting once each within one second.

The app (one worker, SQLite) has the campaign's room open on `--clients` websocket clients.
5,000 members each send one `PUT /api/v1/polls/{id}/ballot`, spread evenly over one second,
from several processes. Measured: when the last vote was acknowledged (after commit), votes
not acknowledged (lost), ballots in the database (none lost, none twice), and on every client
how long after the last acknowledgement its tally counted all 5,000.

    .venv/bin/python bench/burst.py
    .venv/bin/python bench/burst.py --voters 300 --clients 100       # a smoke run
"""

import argparse
import time

from harness import (
    Report,
    Sockets,
    ballot_body,
    connections,
    count_ballots,
    disconnects,
    duplicate_tallies,
    first_tally_at,
    http_load,
    json_job,
    machine,
    make_room,
    ms,
    percentile,
    sqlite_url,
    start_app,
    statuses,
    summarise,
    wait_for_quiet,
    workdir,
)


def main() -> None:
    parser = argparse.ArgumentParser(description="5,000 votes in one second")
    parser.add_argument("--voters", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=5000, help="websocket clients")
    parser.add_argument("--within", type=float, default=1.0, help="seconds the votes span")
    parser.add_argument("--processes", type=int, default=2, help="voting processes")
    parser.add_argument("--connections", type=int, default=100,
                        help="keep-alive connections per voting process")
    args = parser.parse_args()
    wait_for_quiet(args.voters > 300 or args.clients > 300)
    print(f"machine: {machine()}")
    with workdir() as tmp:
        started = time.time()
        room = make_room(sqlite_url(tmp), members=args.voters)
        print(f"set up {args.voters:,} members in {time.time() - started:.0f} s", flush=True)
        poll_id = room.poll_ids[0]
        options = room.options[poll_id]
        jobs = [json_job(args.within * n / args.voters, "PUT", f"/api/v1/polls/{poll_id}/ballot",
                         token, ballot_body(options[n % len(options)], f"burst-{n}"))
                for n, token in enumerate(room.tokens)]
        with start_app(tmp, room.database_url) as app, \
                Sockets(f"ws://127.0.0.1:{app.port}/api/v1/campaigns/{room.campaign_id}/events",
                        args.clients, tokens=room.tokens, processes=4) as sockets:
            rss = app.rss_kib()
            results = http_load(app.port, jobs, processes=args.processes,
                                connections=args.connections)
            time.sleep(3)
            received = sockets.collect()
            rss = max(rss, app.rss_kib())
        ballots, voters, receipts = count_ballots(room.database_url, poll_id)
    found = summarise(results)
    codes = statuses(results)
    first = found["first"]
    last_ack = found["last_ack"]
    final = []
    never = 0
    duplicates = 0
    for box in connections(received):
        when = first_tally_at(box, poll_id, args.voters)
        if when is None:
            never += 1
        else:
            final.append(when - last_ack)
        duplicates += duplicate_tallies(box)
    tallies = [sum(1 for m in box if m[0] == "t") for box in connections(received)]
    report = Report(f"Burst: {args.voters:,} members vote within {args.within:g} s, "
                    f"{sockets.opened:,} clients")
    report.add("votes acknowledged (200)", f"{found['ok']:,}", f"{args.voters:,}",
               found["ok"] == args.voters)
    report.add("last acknowledgement after the first vote", f"{last_ack - first:.2f} s",
               "≤ 5 s", last_ack - first <= 5)
    report.add("acknowledgement p50 / p99", f"{ms(found['p50'])} / {ms(found['p99'])}")
    report.add("ballots in the database (distinct voters, receipts)",
               f"{ballots:,} ({voters:,}, {receipts:,})", f"{args.voters:,}",
               ballots == voters == receipts == args.voters)
    report.add("clients whose tally never reached the total", str(never), "0", never == 0)
    report.add("tally exact, after the last ack: p50", ms(percentile(final, 50)))
    report.add("tally exact, after the last ack: worst client", ms(max(final, default=0)),
               "≤ 1000 ms", never == 0 and max(final, default=0) <= 1.0)
    report.add("duplicate tallies / disconnects",
               f"{duplicates} / {len(disconnects(received))}", "0 / 0",
               duplicates == 0 and not disconnects(received))
    report.add("tallies per client (median)", f"{percentile(tallies, 50):.0f}")
    report.notes.append(f"HTTP statuses: {codes}; server RSS {rss / 1024:.0f} MiB")
    report.print()


if __name__ == "__main__":
    main()
