#!/usr/bin/env python3
"""Latency at low load: one request every 200 ms (the idle service between requests), as the
low-load miss issue measures it. Against a running service whose catalog holds at least ROUNDS items:

    python3 bench/low-load.py http://127.0.0.1:18080 [ROUNDS] [WARMUP_SECONDS]

Per round, on one keep-alive connection: a hit (the same item page each time, after one warm-up
miss) and a miss (the page of an item picked at random, so a one-item load; a page already cached counts as
neither). Also times a Redis PING
on its own connection, the floor of any Redis round trip here. Prints medians and p90s in ms.

BASE may name several services, comma-separated (two jars compared side by side, say, as
bench/low-load-ab.sh does): each gets the same rounds, interleaved, so that a machine that is
slower for a while is slower for all of them; the summary then has one block per service.

WARMUP_SECONDS (default 0): first, four connections send for that long, back to back, the hot
page and the pages of items kept apart from the measured ones (each a miss the first time), so
that the JIT has compiled the hit and miss paths before the idle rounds; a service that has run
under load for a while is in that state, a service just started is not.
"""
import http.client, json, random, socket, statistics, sys, threading, time, urllib.parse

bases = sys.argv[1].split(',')
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
warmup_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0


class Service:

    def __init__(self, base):
        self.base = base
        self.url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=10)
        self.hits, self.misses, self.odd = [], [], []
        self.warm_up_requests = []

    def get(self, path):
        t = time.perf_counter()
        self.conn.request('GET', path)
        r = self.conn.getresponse()
        body = r.read()
        return (time.perf_counter() - t) * 1000, r.status, r.getheader('Cache-Status') or '', body


services = [Service(base) for base in bases]
first = services[0]

# Misses are item pages picked at random from the whole catalog, so that a second run against the
# same instance still finds most of them uncached (unless a warm-up loaded every item: then flush
# the service's Redis database or start it afresh). Services compared side by side share the
# catalog and must not share a Redis database.
_, status, _, body = first.get('/catalog?limit=200')
ids = [item['id'] for item in json.loads(body)['items']]
while json.loads(body).get('nextCursor'):
    _, _, _, body = first.get('/catalog?limit=200&cursor=' + json.loads(body)['nextCursor'])
    ids += [item['id'] for item in json.loads(body)['items']]
if len(ids) < rounds + 1:
    sys.exit(f'the catalog holds {len(ids)} items; {rounds + 1} are needed')
random.shuffle(ids)
spare_ids = ids[rounds + 1:]
ids = ids[:rounds + 1]
hot = '/catalog/items/%d' % ids[0]
for service in services:
    service.get(hot)
    service.spare = list(spare_ids)


def warm_up(service, until):
    c = http.client.HTTPConnection(service.url.hostname, service.url.port, timeout=10)
    sent = 0
    while time.monotonic() < until:
        paths = [hot]
        try:
            paths.append('/catalog/items/%d' % service.spare.pop())
        except IndexError:
            pass  # every spare item has been loaded once: hits from here on
        for path in paths:
            c.request('GET', path)
            c.getresponse().read()
            sent += 1
    service.warm_up_requests.append(sent)


if warmup_seconds > 0:
    for service in services:
        until = time.monotonic() + warmup_seconds
        workers = [threading.Thread(target=warm_up, args=(service, until)) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        print(f'{service.base} warmed up for {warmup_seconds:.0f} s: {sum(service.warm_up_requests)} requests, '
              f'{len(service.spare)} spare items left uncached')
    time.sleep(1)

redis = socket.create_connection(('127.0.0.1', 6379))
pings = []
for i in range(rounds):
    # Which service goes first changes every round.
    order = services[i % len(services):] + services[:i % len(services)]
    for service in order:
        time.sleep(0.2)
        ms, status, cache, _ = service.get(hot)
        if status == 200 and 'hit' in cache:
            service.hits.append(ms)
        else:
            service.odd.append((status, cache))
    for service in order:
        time.sleep(0.2)
        ms, status, cache, _ = service.get('/catalog/items/%d' % ids[i + 1])
        if status == 200 and 'miss' in cache:
            service.misses.append(ms)
        else:
            service.odd.append((status, cache))
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


for service in services:
    if len(services) > 1:
        print(f'{service.base}:')
    print(summary('hit (item page)', service.hits))
    print(summary('miss (one-item load)', service.misses))
    if service.odd:
        print(f'{len(service.odd)} answers were neither the expected hit nor miss: '
              + ', '.join(f'{status} {cache!r}' for status, cache in service.odd[:5]))
print(summary('Redis PING', pings))
