#!/usr/bin/env python3
"""Latency at low load: one request every 200 ms (the idle service between requests), as the
low-load miss issue measures it. Against a running service whose catalog holds at least ROUNDS items:

    python3 bench/low-load.py http://127.0.0.1:18080 [ROUNDS] [WARMUP_SECONDS]

Per round, on one keep-alive connection: a hit (the same item page each time, after one warm-up
miss) and a miss (the page of an item picked at random, so a one-item load; a page already cached counts as
neither). Also times a Redis PING
on its own connection, the floor of any Redis round trip here. Prints medians and p90s in ms.

WARMUP_SECONDS (default 0): first, four connections send for that long, back to back, the hot
page and the pages of items kept apart from the measured ones (each a miss the first time), so
that the JIT has compiled the hit and miss paths before the idle rounds; a service that has run
under load for a while is in that state, a service just started is not.
"""
import http.client, json, random, socket, statistics, sys, threading, time, urllib.parse

base = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
warmup_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0
u = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def get(path):
    t = time.perf_counter()
    conn.request('GET', path)
    r = conn.getresponse()
    body = r.read()
    return (time.perf_counter() - t) * 1000, r.status, r.getheader('Cache-Status') or '', body


# Misses are item pages picked at random from the whole catalog, so that a second run against the
# same instance still finds most of them uncached (unless a warm-up loaded every item: then flush
# the service's Redis database or start it afresh).
_, status, _, body = get('/catalog?limit=200')
ids = [item['id'] for item in json.loads(body)['items']]
while json.loads(body).get('nextCursor'):
    _, _, _, body = get('/catalog?limit=200&cursor=' + json.loads(body)['nextCursor'])
    ids += [item['id'] for item in json.loads(body)['items']]
if len(ids) < rounds + 1:
    sys.exit(f'the catalog holds {len(ids)} items; {rounds + 1} are needed')
random.shuffle(ids)
spare = ids[rounds + 1:]
ids = ids[:rounds + 1]
hot = '/catalog/items/%d' % ids[0]
get(hot)


warm_up_requests = []


def warm_up(until):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    sent = 0
    while time.monotonic() < until:
        paths = [hot]
        try:
            paths.append('/catalog/items/%d' % spare.pop())
        except IndexError:
            pass  # every spare item has been loaded once: hits from here on
        for path in paths:
            c.request('GET', path)
            c.getresponse().read()
            sent += 1
    warm_up_requests.append(sent)


if warmup_seconds > 0:
    until = time.monotonic() + warmup_seconds
    workers = [threading.Thread(target=warm_up, args=(until,)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f'warmed up for {warmup_seconds:.0f} s: {sum(warm_up_requests)} requests, '
          f'{len(spare)} spare items left uncached')
    time.sleep(1)

redis = socket.create_connection(('127.0.0.1', 6379))
hits, misses, pings, odd = [], [], [], []
for i in range(rounds):
    time.sleep(0.2)
    ms, status, cache, _ = get(hot)
    if status == 200 and 'hit' in cache:
        hits.append(ms)
    else:
        odd.append((status, cache))
    time.sleep(0.2)
    ms, status, cache, _ = get('/catalog/items/%d' % ids[i + 1])
    if status == 200 and 'miss' in cache:
        misses.append(ms)
    else:
        odd.append((status, cache))
    time.sleep(0.2)
    t = time.perf_counter()
    redis.sendall(b'PING\r\n')
    redis.recv(16)
    pings.append((time.perf_counter() - t) * 1000)


def summary(name, values):
    if not values:
        return f'{name}: none'
    values = sorted(values)
    return (f'{name}: median {statistics.median(values):.2f} ms, p90 {values[int(0.9 * (len(values) - 1))]:.2f} ms'
            f' ({len(values)})')


print(summary('hit (item page)', hits))
print(summary('miss (one-item load)', misses))
print(summary('Redis PING', pings))
if odd:
    print(f'{len(odd)} answers were neither the expected hit nor miss: '
          + ', '.join(f'{status} {cache!r}' for status, cache in odd[:5]))
