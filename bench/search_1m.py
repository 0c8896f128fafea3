#!/usr/bin/env python3
"""The 1,000,000-item scenario of bench/search-1m.sh, against a running service filled by
catalog.demo-data (catalog.demo.items=1000000, catalog.demo.categories=200).

For each query shape: cache misses (every request a key never asked for before), one at a
time, then from 8 concurrent clients; p50/p99 of each. Then the hit ratio of hot pages
before and during a burst of distinct q searches, and last the low load of issue #16: a hit
and a one-item miss at one request every 200 ms (--idle-rounds). Python 3 standard library
only.

    python3 bench/search_1m.py http://127.0.0.1:8182 --out bench/results/search-1m
"""
import argparse
import collections, base64, json, math, os, random, statistics, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchkit import cache_counters, cache_status, request  # noqa: E402

ITEMS = 1_000_000
CATEGORIES = 200
MATERIALS = ['Oak', 'Walnut', 'Linen', 'Ceramic', 'Brass', 'Velvet', 'Rattan', 'Marble', 'Copper', 'Wool']
KINDS = ['chair', 'lamp', 'table', 'vase', 'rug', 'shelf', 'bowl', 'cushion', 'mirror', 'stool', 'planter', 'throw']
BASES = ['furniture', 'lighting', 'kitchen', 'garden', 'textiles', 'decor']


def name(g):
    """The name catalog.demo-data gives item g (see DemoData)."""
    return f'{MATERIALS[g % 10]} {KINDS[(g // 10) % 12]} no. {g}'


def category(c):
    return BASES[c % 6] + ('' if c < 6 else f'-{c // 6}')


def cursor(sort, item_id, key=''):
    """A keyset cursor as the service writes them (PageCursor): after (key, id) in `sort`."""
    text = f'c1\n{sort}\n{item_id}\n{key}'
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip('=')


def enc(text):
    from urllib.parse import quote
    return quote(text, safe='')


def cat(r):
    return enc(category(r.randrange(CATEGORIES)))


def window(r, width=500):
    low = r.randrange(499, 49999 - width)
    return f'minPrice={low}&maxPrice={low + width}'


def lim(r):
    return r.randrange(90, 111)


# name -> (what it is, a function of a Random giving one path). The variation (category,
# limit between 90 and 110, price window, cursor position, q) only makes every request a key
# of its own; the cost of each request of a shape is alike.
SHAPES = [
    ('item', 'one item page', lambda r: f'/catalog/items/{r.randrange(1, ITEMS + 1)}'),
    ('category', 'category, sort=id', lambda r: f'/catalog?category={cat(r)}&limit={lim(r)}'),
    ('category-name', 'category, sort=name', lambda r: f'/catalog?category={cat(r)}&sort=name&limit={lim(r)}'),
    ('category-price', 'category, sort=price', lambda r: f'/catalog?category={cat(r)}&sort=price&limit={lim(r)}'),
    ('category--price', 'category, sort=-price', lambda r: f'/catalog?category={cat(r)}&sort=-price&limit={lim(r)}'),
    ('category-createdAt', 'category, sort=createdAt',
     lambda r: f'/catalog?category={cat(r)}&sort=createdAt&limit={lim(r)}'),
    ('category--createdAt', 'category, sort=-createdAt',
     lambda r: f'/catalog?category={cat(r)}&sort=-createdAt&limit={lim(r)}'),
    ('window', 'price window (1 %), sort=id', lambda r: f'/catalog?{window(r)}&limit={lim(r)}'),
    ('window-name', 'price window (1 %), sort=name', lambda r: f'/catalog?{window(r)}&sort=name&limit={lim(r)}'),
    ('window-price', 'price window (1 %), sort=price', lambda r: f'/catalog?{window(r)}&sort=price&limit={lim(r)}'),
    ('window--createdAt', 'price window (1 %), sort=-createdAt',
     lambda r: f'/catalog?{window(r)}&sort=-createdAt&limit={lim(r)}'),
    ('category-window', 'category + price window (10 %), sort=id',
     lambda r: f'/catalog?category={cat(r)}&{window(r, 5000)}&limit={lim(r)}'),
    ('category-window-name', 'category + price window (10 %), sort=name',
     lambda r: f'/catalog?category={cat(r)}&{window(r, 5000)}&sort=name&limit={lim(r)}'),
    ('deep-id', 'cursor anywhere in 1M, sort=id',
     lambda r: f'/catalog?cursor={cursor("id", r.randrange(1, ITEMS))}'),
    ('deep-name', 'cursor anywhere in 1M, sort=name',
     lambda r: (lambda g: f'/catalog?sort=name&cursor={cursor("name", g, name(g))}')(r.randrange(1, ITEMS))),
    ('deep-price', 'cursor anywhere in 1M, sort=-price',
     lambda r: f'/catalog?sort=-price&cursor={cursor("-price", r.randrange(1, ITEMS), r.randrange(499, 49999))}'),
    ('deep-category-createdAt', 'category, cursor anywhere in it, sort=-createdAt',
     lambda r: (lambda g: f'/catalog?category={enc(category(g % CATEGORIES))}&sort=-createdAt&cursor='
                + cursor('-createdAt', g, int((time.time() - 60 * g) * 1e6)))(r.randrange(1, ITEMS))),
    ('q-rare', 'q: 6 digits (1 match)', lambda r: f'/catalog?q={r.randrange(100000, 1000000)}'),
    ('q-rare-name', 'q: 6 digits, sort=name', lambda r: f'/catalog?q={r.randrange(100000, 1000000)}&sort=name'),
    ('q-4digits', 'q: 4 digits (~500 matches)', lambda r: f'/catalog?q={r.randrange(1000, 10000)}&limit={lim(r)}'),
    ('q-3digits', 'q: 3 digits (~5,000 matches)', lambda r: f'/catalog?q={r.randrange(100, 1000)}&limit={lim(r)}'),
    ('q-words', 'q: material + kind (0.8 %)',
     lambda r: f'/catalog?q={enc(r.choice(MATERIALS).lower() + " " + r.choice(KINDS))}&limit={lim(r)}'),
    ('q-word', 'q: a material (10 %)', lambda r: f'/catalog?q={r.choice(MATERIALS)}&limit={r.randrange(20, 201)}'),
    ('q-word-name', 'q: a material (10 %), sort=name',
     lambda r: f'/catalog?q={r.choice(MATERIALS)}&sort=name&limit={r.randrange(20, 201)}'),
    ('q-word-window-name', 'q: a material + price window (1 %), sort=name',
     lambda r: f'/catalog?q={r.choice(MATERIALS)}&{window(r)}&sort=name&limit={lim(r)}'),
    ('q-2chars-window-name', 'q: 2 letters + price window (1 %), sort=name',
     lambda r: f'/catalog?q={r.choice("abcdefghijklmnopqrstuvwxyz")}{r.choice("abcdefghijklmnopqrstuvwxyz")}'
               f'&{window(r)}&sort=name&limit={lim(r)}'),
    ('q-category', 'q: a material + category',
     lambda r: f'/catalog?category={cat(r)}&q={r.choice(MATERIALS)}&limit={lim(r)}'),
    ('q-rare-category', 'q: 5 digits + category',
     lambda r: f'/catalog?category={cat(r)}&q={r.randrange(10000, 100000)}'),
    ('q-2chars', 'q: 2 letters (most match nothing)',
     lambda r: f'/catalog?q={"".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2))}&limit={lim(r)}'),
    ('q-1char', 'q: 1 letter or digit',
     lambda r: f'/catalog?q={r.choice("abcdefghijklmnopqrstuvwxyz0123456789")}&limit={r.randrange(20, 201)}'),
]


class Keys:
    """Paths never requested before in this run, so that each is a cache miss."""

    def __init__(self, seed):
        self.random, self.seen, self.lock = random.Random(seed), set(), threading.Lock()

    def next(self, make):
        with self.lock:
            for _ in range(10000):
                path = make(self.random)
                if path not in self.seen:
                    self.seen.add(path)
                    return path
        raise RuntimeError('ran out of distinct keys')


def timed(base, path):
    t0 = time.perf_counter()
    status, headers, body = request('GET', base + path, timeout=30)
    ms = (time.perf_counter() - t0) * 1000
    return ms, status, cache_status(headers.get('Cache-Status') if status else None), body


def pct(values, p):
    """The nearest-rank percentile: the smallest value at least p % of the values are not above.
    (Until 2026-12-03 this rounded half a rank up, and Python rounds 99.5 to 100: of 100 values,
    "p99" was the slowest one.)"""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s) - 1e-9) - 1))]


def summarise(samples):
    ms = [s[0] for s in samples]
    return {'n': len(ms), 'p50': round(pct(ms, 50), 1), 'p99': round(pct(ms, 99), 1), 'max': round(max(ms), 1),
            'not_miss': sum(1 for s in samples if not s[2].startswith('fwd=miss')),
            'not_miss_statuses': sorted({s[2] for s in samples if not s[2].startswith('fwd=miss')}),
            'errors': sum(1 for s in samples if s[1] != 200)}


def run_shape(base, keys, make, clients, per_client):
    samples, lock = [], threading.Lock()

    def worker():
        mine = []
        for _ in range(per_client):
            mine.append(timed(base, keys.next(make)))
        with lock:
            samples.extend(mine)
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = summarise(samples)
    out['per_second'] = round(len(samples) / (time.perf_counter() - t0))
    return out


def hot_readers(base, hot, stop, results):
    """Reads the hot pages round-robin until stopped: latency and Cache-Status of each."""
    i = 0
    while not stop.is_set():
        ms, status, cs, _ = timed(base, hot[i % len(hot)])
        results.append((ms, status, cs))
        i += 1


def burst_effect(base, keys, seconds, burst_clients):
    hot = [f'/catalog?category={enc(category(c))}&limit=100' for c in range(CATEGORIES)]
    for path in hot:          # warm: every hot page cached
        timed(base, path)
    phases = {}
    for phase, burst in (('before', 0), ('during', burst_clients)):
        before = cache_counters(base)
        stop, reads, burst_samples, lock = threading.Event(), [], [], threading.Lock()
        readers = [threading.Thread(target=hot_readers, args=(base, hot, stop, reads)) for _ in range(2)]

        def searcher():
            while not stop.is_set():
                sample = timed(base, keys.next(lambda r: f'/catalog?q={r.randrange(100000, 1000000)}'
                                               f'&limit={r.randrange(1, 1001)}'))
                with lock:
                    burst_samples.append(sample)
        searchers = [threading.Thread(target=searcher) for _ in range(burst)]
        for t in readers + searchers:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in readers + searchers:
            t.join()
        after = cache_counters(base)
        hits = sum(1 for r in reads if r[2].split(';')[0] == 'hit')
        not_hits = collections.Counter(f'{r[1]} {r[2]}' for r in reads if r[2].split(';')[0] != 'hit')
        req = {k: after['requests'].get(k, 0) - before['requests'].get(k, 0) for k in after['requests']}
        total = sum(req.values())
        phases[phase] = {
            'hot_reads': len(reads), 'hot_hit_ratio': round(hits / len(reads), 4) if reads else None,
            'hot_p50': round(pct([r[0] for r in reads], 50), 2), 'hot_p99': round(pct([r[0] for r in reads], 99), 2),
            'searches': len(burst_samples),
            'searches_per_second': round(len(burst_samples) / seconds, 1),
            'search_p50': round(pct([s[0] for s in burst_samples], 50), 1) if burst_samples else None,
            'search_p99': round(pct([s[0] for s in burst_samples], 99), 1) if burst_samples else None,
            'service_hit_ratio': round(req.get('hit', 0) / total, 4) if total else None,
            'loads': after['loads'] - before['loads'],
            'hot_not_hits': dict(not_hits.most_common(3)),
        }
    return {'hot_pages': len(hot), 'seconds': seconds, 'burst_clients': burst_clients, 'phases': phases}


def idle(base, keys, rounds):
    """The issue's low load: one request every 200 ms on one keep-alive connection (this thread's,
    as timed() keeps it), alternately a hit (one item page, loaded once first) and a miss (an item
    page never asked for before)."""
    item = lambda r: f'/catalog/items/{r.randrange(1, ITEMS + 1)}'  # noqa: E731
    hot = keys.next(item)
    timed(base, hot)
    hits, misses, other = [], [], collections.Counter()
    for _ in range(rounds):
        for path, wanted, into in ((hot, 'hit', hits), (keys.next(item), 'fwd=miss', misses)):
            time.sleep(0.2)
            ms, _, cs, _ = timed(base, path)
            if cs.split(';')[0] == wanted:
                into.append(ms)
            else:
                other[cs] += 1
    return {'rounds': rounds, 'hit_p50': round(pct(hits, 50), 2), 'hit_p90': round(pct(hits, 90), 2),
            'miss_p50': round(pct(misses, 50), 2), 'miss_p90': round(pct(misses, 90), 2),
            'not_counted': dict(other)}


def table(results):
    lines = ['| shape | one at a time p50 | p99 | slowest | 8 clients p50 | p99 | requests/s (8 clients) |',
             '|---|---:|---:|---:|---:|---:|---:|']
    for key, label, _ in SHAPES:
        s, c = results['sequential'][key], results['concurrent'][key]
        flag = '' if not (s['not_miss'] or c['not_miss'] or s['errors'] or c['errors']) else \
            f' (not miss: {s["not_miss"] + c["not_miss"]} {sorted(set(s["not_miss_statuses"] + c["not_miss_statuses"]))}' \
            f', errors: {s["errors"] + c["errors"]})'
        lines.append(f'| {label}{flag} | {s["p50"]} | {s["p99"]} | {s["max"]} | {c["p50"]} | {c["p99"]} '
                     f'| {c["per_second"]} |')
    i = results.get('idle')
    if i is not None:
        lines += ['', f'At low load, after the above: one request every 200 ms on one keep-alive connection, '
                  f'{i["rounds"]} rounds of a hit and a one-item miss'
                  + (f' (not counted, not what was expected: {i["not_counted"]})' if i['not_counted'] else '') + ':',
                  '', '| at one request every 200 ms | median ms | p90 ms |', '|---|---:|---:|',
                  f'| hit of an item page | {i["hit_p50"]} | {i["hit_p90"]} |',
                  f'| one-item miss | {i["miss_p50"]} | {i["miss_p90"]} |']
    b = results.get('burst')
    if b is None:
        return '\n'.join(lines)
    lines += ['', f'Hot pages ({b["hot_pages"]} category listings, cached) read by 2 clients for {b["seconds"]} s, '
              f'before and during a burst of distinct rare q searches from {b["burst_clients"]} clients:', '',
              '| phase | hot reads | hot hit ratio | hot p50 ms | hot p99 ms | searches/s | search p50 ms | search p99 ms '
              '| service hit ratio | loads |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for phase, p in b['phases'].items():
        lines.append(f'| {phase} | {p["hot_reads"]} | {p["hot_hit_ratio"]} | {p["hot_p50"]} | {p["hot_p99"]} | '
                     f'{p["searches_per_second"]} | {p["search_p50"]} | {p["search_p99"]} | {p["service_hit_ratio"]} '
                     f'| {p["loads"]:.0f} |')
    for phase, p in b['phases'].items():
        if p['hot_not_hits']:
            lines.append(f'\nHot reads that were not hits, {phase} the burst (status and Cache-Status, most '
                         f'common first): {p["hot_not_hits"]}')
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('base')
    p.add_argument('--sequential', type=int, default=100, help='misses per shape, one at a time')
    p.add_argument('--clients', type=int, default=8)
    p.add_argument('--per-client', type=int, default=40, help='misses per client and shape')
    p.add_argument('--burst-seconds', type=float, default=10)
    p.add_argument('--burst-clients', type=int, default=6)
    p.add_argument('--warmup', type=int, default=20, help='misses per shape before measuring')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--idle-rounds', type=int, default=150,
                   help='rounds of a hit and a miss at one request every 200 ms, last (0: none)')
    p.add_argument('--out', help='writes OUT.json and OUT.md')
    p.add_argument('--shapes', help='only these shapes (comma-separated keys, e.g. q-word,q-category); '
                                    'with --burst-seconds 0 the burst is left out too')
    a = p.parse_args()
    if a.shapes:
        wanted = a.shapes.split(',')
        unknown = set(wanted) - {key for key, _, _ in SHAPES}
        if unknown:
            p.error(f'unknown shapes: {sorted(unknown)}')
        SHAPES[:] = [shape for shape in SHAPES if shape[0] in wanted]
    keys = Keys(a.seed)
    results = {'sequential': {}, 'concurrent': {}}
    for key, _, make in SHAPES:
        run_shape(a.base, keys, make, 1, a.warmup)
    for key, label, make in SHAPES:
        results['sequential'][key] = run_shape(a.base, keys, make, 1, a.sequential)
        print(f'one at a time  {label:45} {results["sequential"][key]}', file=sys.stderr)
    for key, label, make in SHAPES:
        results['concurrent'][key] = run_shape(a.base, keys, make, a.clients, a.per_client)
        print(f'{a.clients} clients      {label:45} {results["concurrent"][key]}', file=sys.stderr)
    if a.burst_seconds > 0:
        results['burst'] = burst_effect(a.base, keys, a.burst_seconds, a.burst_clients)
    if a.idle_rounds > 0:
        results['idle'] = idle(a.base, keys, a.idle_rounds)
        print(f'idle           {results["idle"]}', file=sys.stderr)
    md = table(results)
    print(md)
    if a.out:
        with open(a.out + '.json', 'w') as f:
            json.dump(results, f, indent=1)
        with open(a.out + '.md', 'w') as f:
            f.write(md + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
