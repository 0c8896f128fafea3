#!/usr/bin/env python3
"""The mixed workload of bench/run.sh: readers over a few hundred hot keys of every kind while a writer
changes prices at a steady rate, against the same reads without writes; and how long a change made in
SQL takes to be seen. Prints a markdown section on stdout (see bench/README.md).

Hot keys, on the seeded catalog (categories cat-0 .. cat-19): per category two listings and the pages of
ten of its items, plus twenty listings without a category (price windows): 260 in all. A price change
of one item can change at most 23 of them: its page, its category's two listings, and those of the
twenty price windows whose page spans its old or new price (usually none or one).
"""
import argparse, json, os, re, statistics, subprocess, sys, threading, time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchkit  # noqa: E402


def metric(scrape, name, labels=''):
    total = 0.0
    for line in scrape.splitlines():
        if line.startswith(name + '{') or line.startswith(name + ' '):
            if labels in line:
                total += float(line.rsplit(' ', 1)[1])
    return total


def counters(base):
    """The counters of one scrape, so that they describe the same moment."""
    _, _, body = benchkit.request('GET', base + '/actuator/prometheus')
    scrape = body.decode()
    return {
        'hit': metric(scrape, 'catalog_cache_requests_total', 'result="hit"'),
        'all': metric(scrape, 'catalog_cache_requests_total'),
        'loads': metric(scrape, 'catalog_cache_loads_total'),
        'rewarmed': metric(scrape, 'catalog_cache_rewarms_total', 'result="miss"'),
    }


def wrk(base, paths_file, seconds, connections, out, pause_ms=None):
    """Closed-loop reads; with pause_ms, each connection waits that long between a response and its next
    request, so the offered load stays below what the machine can serve."""
    script = out + '.lua'
    with open(script, 'w') as f:
        f.write(f'''
local paths = {{}}
for line in io.lines("{paths_file}") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
''' + (f'delay = function() return {pause_ms} end\n' if pause_ms else ''))
    result = subprocess.run(['wrk', '-t1', f'-c{connections}', f'-d{seconds}s', '--latency', '--timeout', '10s',
                             '-s', script, base], capture_output=True, text=True, timeout=seconds + 60)
    with open(out, 'w') as f:
        f.write(result.stdout + result.stderr)
    p99 = re.search(r'99%\s+([\d.]+)(us|ms|s)\b', result.stdout)
    rate = re.search(r'Requests/sec:\s+([\d.]+)', result.stdout)
    scale = {'us': 0.001, 'ms': 1, 's': 1000}
    return {'p99_ms': float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
            'rps': float(rate.group(1)) if rate else None}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('base')
    p.add_argument('--db', default='bench_catalog')
    p.add_argument('--seconds', type=int, default=20)
    p.add_argument('--writes-per-second', type=float, default=2)
    p.add_argument('--connections', type=int, default=16)
    p.add_argument('--pause-ms', type=int, default=4,
                   help='pause of each connection between reads in the paced phases (0: skip them)')
    p.add_argument('--sql-samples', type=int, default=40)
    p.add_argument('--raw', default='/tmp')
    p.add_argument('--user', default='editor')
    p.add_argument('--password', default='ed-secret')
    a = p.parse_args()
    base = a.base
    paths, items = [], []
    for c in range(20):
        paths.append(f'/catalog?category=cat-{c}&limit=20')
        paths.append(f'/catalog?category=cat-{c}&limit=20&sort=-price')
        status, _, body = benchkit.request('GET', f'{base}/catalog?category=cat-{c}&limit=10')
        for item in json.loads(body)['items']:
            items.append(item)
            paths.append(f'/catalog/items/{item["id"]}')
    for i in range(20):
        paths.append(f'/catalog?limit=20&sort=price&minPrice={100 + 400 * i}')
    paths_file = os.path.join(a.raw, 'mixed-paths.txt')
    with open(paths_file, 'w') as f:
        f.write('\n'.join(paths) + '\n')

    # A cold JVM answers slowly enough that Redis commands time out and requests bypass the
    # cache (loading without storing): warm until 5 s of reads load nothing, so that the
    # phase without writes starts with every hot key cached.
    wrk(base, paths_file, 10, a.connections, os.path.join(a.raw, 'mixed-warm.txt'))
    for _ in range(6):
        before = counters(base)
        wrk(base, paths_file, 5, a.connections, os.path.join(a.raw, 'mixed-warm.txt'))
        if counters(base)['loads'] == before['loads']:
            break

    before = counters(base)
    quiet = wrk(base, paths_file, a.seconds, a.connections, os.path.join(a.raw, 'mixed-quiet.txt'))
    after = counters(base)
    quiet_hits = (after['hit'] - before['hit']) / max(1, after['all'] - before['all'])
    quiet_loads = after['loads'] - before['loads']

    auth = {'Authorization': benchkit.basic((a.user, a.password)), 'Content-Type': 'application/json'}
    writes = {'ok': 0, 'other': {}}

    def writer(stop):
        k = 0
        interval = 1 / a.writes_per_second
        next_at = time.monotonic()
        while not stop.is_set():
            item = items[(k * 7) % len(items)]
            k += 1
            item['priceCents'] = 100 + (item['priceCents'] + 37) % 9900
            body = {f: item[f] for f in ('sku', 'name', 'description', 'category', 'priceCents')}
            status, _, _ = benchkit.request('PUT', f'{base}/catalog/items/{item["id"]}', auth,
                                            json.dumps(body).encode())
            if status == 200:
                writes['ok'] += 1
            else:
                writes['other'][status] = writes['other'].get(status, 0) + 1
            next_at += interval
            stop.wait(max(0, next_at - time.monotonic()))

    def with_writes(out, pause_ms=None):
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(stop,))
        thread.start()
        try:
            return wrk(base, paths_file, a.seconds, a.connections, out, pause_ms)
        finally:
            stop.set()
            thread.join()

    before = counters(base)
    busy = with_writes(os.path.join(a.raw, 'mixed-writes.txt'))
    after = counters(base)
    busy_writes = writes['ok']
    busy_hits = (after['hit'] - before['hit']) / max(1, after['all'] - before['all'])
    busy_loads = after['loads'] - before['loads']
    loads_per_write = (busy_loads - quiet_loads) / max(1, busy_writes)

    busy_rewarmed = after['rewarmed'] - before['rewarmed']

    paced_quiet = paced_busy = None
    if a.pause_ms:
        paced_quiet = wrk(base, paths_file, a.seconds, a.connections, os.path.join(a.raw, 'mixed-paced-quiet.txt'),
                          a.pause_ms)
        writes['ok'] = 0
        before = counters(base)
        paced_busy = with_writes(os.path.join(a.raw, 'mixed-paced-writes.txt'), a.pause_ms)
        after = counters(base)
        paced_hits = (after['hit'] - before['hit']) / max(1, after['all'] - before['all'])
        paced_loads_per_write = (after['loads'] - before['loads']) / max(1, writes['ok'])
        paced_rewarmed = (after['rewarmed'] - before['rewarmed']) / max(1, writes['ok'])

    seen = []
    for i in range(a.sql_samples):
        item = items[(i * 13) % len(items)]
        price = 10000 + i
        subprocess.run(['psql', '-h', '127.0.0.1', '-U', 'postgres', '-d', a.db, '-qAtc',
                        f'UPDATE items SET price_cents = {price} WHERE id = {item["id"]}'], check=True,
                       env={**os.environ, 'PGPASSWORD': os.environ.get('PGPASSWORD', 'postgres')})
        committed = time.monotonic()
        while time.monotonic() - committed < 5:
            status, _, body = benchkit.request('GET', f'{base}/catalog/items/{item["id"]}')
            if status == 200 and json.loads(body)['priceCents'] == price:
                seen.append((time.monotonic() - committed) * 1000)
                break
        item['priceCents'] = price
        time.sleep(0.05)
    seen.sort()

    def pct(values, q):
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float('nan')

    p99_ratio = (busy['p99_ms'] / quiet['p99_ms']) if quiet['p99_ms'] and busy['p99_ms'] else float('nan')
    rows = [
        ('hit ratio without writes', f'{quiet_hits:.4f}', ''),
        (f'hit ratio with {a.writes_per_second:g} writes/s ({busy_writes} writes)', f'{busy_hits:.4f}', '≥ 0.98'),
        ('database loads per write (beyond those without writes)',
         f'{loads_per_write:.1f} ({busy_loads:.0f} − {quiet_loads:.0f} over {busy_writes} writes)',
         '≤ the ~23 hot entries a price change touches'),
        ('of them loaded again right after the write (`catalog.cache.rewarm-entries`)',
         f'{busy_rewarmed / max(1, busy_writes):.1f} per write', ''),
        ('read p99 without writes', f'{quiet["p99_ms"]:.2f} ms ({quiet["rps"]:.0f} requests/s)', ''),
        ('read p99 with writes', f'{busy["p99_ms"]:.2f} ms ({busy["rps"]:.0f} requests/s); {p99_ratio:.2f} ×',
         '≤ 2 ×'),
    ]
    if paced_quiet and paced_busy:
        paced_ratio = paced_busy['p99_ms'] / paced_quiet['p99_ms']
        rows += [
            (f'paced ({a.pause_ms} ms between reads per connection): read p99 without writes',
             f'{paced_quiet["p99_ms"]:.2f} ms ({paced_quiet["rps"]:.0f} requests/s)', ''),
            (f'paced: read p99 with writes', f'{paced_busy["p99_ms"]:.2f} ms ({paced_busy["rps"]:.0f} requests/s); '
             f'{paced_ratio:.2f} ×', '≤ 2 ×'),
            ('paced: hit ratio with writes; loads per write, of them loaded again right after the write',
             f'{paced_hits:.4f}; {paced_loads_per_write:.1f}, {paced_rewarmed:.1f}', ''),
        ]
    rows += [
        (f'SQL UPDATE commit → first read that sees it ({len(seen)} of {a.sql_samples})',
         f'p50 {pct(seen, 0.5):.1f} ms, p99 {pct(seen, 0.99):.1f} ms, max {max(seen) if seen else float("nan"):.1f} ms',
         'p99 ≤ 100 ms'),
    ]
    print('## Mixed workload: precise invalidation\n')
    print(f'{len(paths)} hot keys (per category two listings and ten item pages, twenty listings without a '
          f'category), read round-robin by `wrk -t1 -c{a.connections}` for {a.seconds} s without writes, then '
          f'{a.seconds} s with a writer changing prices through the API at {a.writes_per_second:g}/s; '
          + (f'the same two {a.seconds} s phases paced, each connection pausing {a.pause_ms} ms between reads; '
             if a.pause_ms else '')
          + f'then {a.sql_samples} `UPDATE`s in `psql`, each followed by reads of the item page until it shows the new price.'
          + (f' Writes not answered 200: {writes["other"]}.' if writes['other'] else '') + '\n')
    print('| measure | value | target |')
    print('|---|---|---|')
    for row in rows:
        print('| ' + ' | '.join(row) + ' |')


if __name__ == '__main__':
    main()
