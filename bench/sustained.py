"""Target 4: sustained ballots per second, acknowledged after commit.

Open loop: ballots are sent at a steady rate whatever the server does, from several processes,
each one a member's first vote on one of five polls (so every one is a new ballot), and each
latency counts from the moment it was due. Run on SQLite with one worker, then on PostgreSQL
with two workers sharing changes through Redis. `--source DIR` serves another checkout.

    .venv/bin/python bench/sustained.py
    .venv/bin/python bench/sustained.py --only sqlite --rate 200 --seconds 3    # a smoke run
"""

import argparse
import math
import time
from pathlib import Path

from harness import (
    REDIS_URL,
    ROOT,
    Report,
    ballot_body,
    fresh_postgres,
    http_load,
    json_job,
    machine,
    make_room,
    ms,
    sqlite_url,
    start_app,
    statuses,
    summarise,
    supports_workers,
    wait_for_quiet,
    workdir,
)

POLLS = 5
P99_LIMIT = 0.100


def run(database: str, rate: float, seconds: float, workers: int, source: Path,
        report: Report) -> None:
    total = int(rate * seconds)
    members = math.ceil(total / POLLS)
    with workdir() as tmp:
        url = sqlite_url(tmp) if database == "sqlite" else fresh_postgres("bench")
        started = time.time()
        room = make_room(url, members=members, polls=POLLS)
        print(f"set up {members:,} members on {database} in {time.time() - started:.0f} s",
              flush=True)
        jobs = []
        for n in range(total):
            poll_id = room.poll_ids[n % POLLS]
            options = room.options[poll_id]
            jobs.append(json_job(n / rate, "PUT", f"/api/v1/polls/{poll_id}/ballot",
                                 room.tokens[n // POLLS],
                                 ballot_body(options[n % len(options)], f"s{n}")))
        with start_app(tmp, url, workers=workers, source=source,
                       broadcast_url=REDIS_URL if workers > 1 else "") as app:
            results = http_load(app.port, jobs, processes=2, connections=64)
            rss = app.rss_kib()
    found = summarise(results)
    where = f"{database}, {workers} worker{'s' if workers > 1 else ''}"
    report.add(f"{where}: offered", f"{rate:,.0f}/s for {seconds:g} s")
    report.add(f"{where}: acknowledged", f"{found['rate']:,.0f}/s", f"≥ {rate:,.0f}/s",
               found["rate"] >= rate * 0.98 and found["errors"] == 0)
    report.add(f"{where}: ack p50", ms(found["p50"]))
    report.add(f"{where}: ack p99", ms(found["p99"]), "≤ 100 ms" if database == "sqlite" else "",
               found["p99"] <= P99_LIMIT if database == "sqlite" else None)
    report.notes.append(f"{where}: {found['ok']:,} of {found['sent']:,} answered 2xx "
                        f"{statuses(results)}; server RSS {rss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description="sustained ballots per second")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--rate", type=float, help="ballots per second (default: the target)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the checkout of the app to serve (for --workers)")
    args = parser.parse_args()
    wait_for_quiet(args.seconds * (args.rate or 1000) > 3000)
    print(f"machine: {machine()}")
    report = Report("Sustained ballots, acknowledged after commit")
    if args.only in (None, "sqlite"):
        run("sqlite", args.rate or 1000, args.seconds, 1, args.source, report)
    if args.only in (None, "postgres"):
        if supports_workers(args.source):
            run("postgres", args.rate or 2000, args.seconds, 2, args.source, report)
        else:
            report.notes.append(f"PostgreSQL with two workers not run: {args.source} has no "
                                "`serve --workers`; pass --source with a checkout that has it")
    report.print()


if __name__ == "__main__":
    main()
