#!/usr/bin/env python3
"""Reproduces the hang described in the closing note of 2026-11-30: after a burst of writes, now and
then one cached GET is never answered. Start a jar on an empty database with an editor account
`editor`/`ed-secret` (as the acceptance checks do), then:

    python3 bench/burst-then-read.py http://127.0.0.1:18130 [items]

It seeds `items` (10,000) through POST /catalog/items with 16 clients (the acceptance checks' own
seeding), then reads GET /catalog?category=cat-3&limit=200 60 times, three rounds 11 s apart, and
prints every read that failed or took over a second. About two runs in three show one 10 s timeout.
"""
import os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'acceptance'))
import svc  # noqa: E402

base = sys.argv[1]
print(svc.seed(base, n=int(sys.argv[2]) if len(sys.argv) > 2 else 10000))
slow = []
for round_ in range(3):
    for i in range(60):
        started = time.monotonic()
        response = svc.http('GET', base + '/catalog?category=cat-3&limit=200')
        took = time.monotonic() - started
        if response.status != 200 or took > 1:
            slow.append((round_, i, response.status, response.error, round(took, 2)))
    time.sleep(11)
print('failed or slow reads:', slow)
