#!/usr/bin/env python3
"""Idle latency of several HTTP targets, interleaved: one GET every 200 ms per request, each
target on its own keep-alive connection, the targets in a new random order every round, so that
the machine's idle-time drift falls on all of them. Prints medians, p90s and each median's ratio
to the first target's.

    python3 bench/idle-floor.py ROUNDS NAME=URL [NAME=URL...]
"""
import http.client, random, statistics, sys, time, urllib.parse

rounds = int(sys.argv[1])
targets = []
for spec in sys.argv[2:]:
    name, url = spec.split('=', 1)
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ('?' + parts.query if parts.query else '')
    targets.append((name, http.client.HTTPConnection(parts.hostname, parts.port, timeout=10), path))
times = {name: [] for name, _, _ in targets}
for _ in range(rounds):
    for name, connection, path in random.sample(targets, len(targets)):
        time.sleep(0.2)
        started = time.perf_counter()
        connection.request('GET', path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f'{name}: {response.status}')
        times[name].append((time.perf_counter() - started) * 1000)
floor = statistics.median(times[targets[0][0]])
for name, _, _ in targets:
    values = sorted(times[name])
    median = statistics.median(values)
    print(f'{name:28s} median {median:6.2f} ms   p90 {values[int(len(values) * 0.9)]:6.2f} ms   '
          f'÷ {targets[0][0]}: {median / floor:.2f}')
