#!/usr/bin/env python3
"""Tries one theory of the hang (see the closing notes of 2026-11-30): a cached listing read on a keep-alive
connection after ~11 s idle, following a scrape of /actuator/prometheus on that connection, as `check core`'s
hits-no-load step does. Start a jar with an editor `editor`/`ed-secret` on an empty database, then:

    python3 bench/idle-then-read.py http://127.0.0.1:18130

It seeds 2,000 items, then 8 rounds of: two reads, a scrape, 11 s idle, 50 reads; it prints every read that
failed or took over a second. On 2026-11-30 (final code of that day) it printed none in 8 rounds.
"""
import os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'acceptance'))
import svc  # noqa: E402

base = sys.argv[1]
print(svc.seed(base, n=2000), flush=True)
LIST = '/catalog?category=cat-3&limit=200'
hung = []
for rnd in range(8):
    svc.http('GET', base + LIST); svc.http('GET', base + LIST)
    svc.http('GET', base + '/actuator/prometheus')
    time.sleep(11)
    for i in range(50):
        t = time.monotonic()
        r = svc.http('GET', base + LIST)
        d = time.monotonic() - t
        if r.status != 200 or d > 1:
            hung.append((rnd, i, r.status, r.error, round(d, 2), r.header('Cache-Status') if r.status else None))
            print('slow', hung[-1], time.strftime('%T'), flush=True)
print('rounds done; slow:', hung)
