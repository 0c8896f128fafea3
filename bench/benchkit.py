#!/usr/bin/env python3
"""Helpers for bench/run.sh: HTTP probes, seeding, the stampede, wrk parsing, the report and the chart.

Python 3 standard library only, except `report`, which draws the chart with matplotlib when it can be
imported and otherwise writes a plain SVG. Every subcommand prints one JSON object (or nothing) on stdout.
"""
import argparse, base64, collections, datetime, gzip, http.client, json, os, re, statistics, sys, threading, time
import urllib.parse

EDITOR = ('editor', 'ed-secret')
DESC = 'Solid oak, hand finished, ships flat. ' * 4


# ---------------------------------------------------------------- HTTP
_tls = threading.local()


def request(method, url, headers=None, body=None, timeout=10):
    """One request on a per-thread keep-alive connection. Returns (status, headers, body); status 0 on errors."""
    u = urllib.parse.urlsplit(url)
    path = (u.path or '/') + ('?' + u.query if u.query else '')
    pool = _tls.__dict__.setdefault('pool', {})
    key = (u.hostname, u.port)
    for attempt in (0, 1):
        conn = pool.pop(key, None)
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            if r.will_close:
                conn.close()
            else:
                pool[key] = conn
            return r.status, r.headers, data
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
            conn.close()
            if reused and attempt == 0:
                continue
            return 0, {}, repr(e).encode()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            return 0, {}, repr(e).encode()


def basic(auth):
    return 'Basic ' + base64.b64encode(f'{auth[0]}:{auth[1]}'.encode()).decode()


def cmd_wait(a):
    """Wait until URL answers 200 (and, with --pid, while that process lives)."""
    end = time.monotonic() + a.timeout
    t0 = time.monotonic()
    last = None
    while time.monotonic() < end:
        if a.pid and not os.path.exists(f'/proc/{a.pid}'):
            print(json.dumps({'ok': False, 'why': f'process {a.pid} exited', 'last': last}))
            return 1
        st, _, body = request('GET', a.url, timeout=3)
        last = f'{st} {body[:100]!r}'
        if st == 200:
            print(json.dumps({'ok': True, 'seconds': round(time.monotonic() - t0, 1)}))
            return 0
        time.sleep(0.3)
    print(json.dumps({'ok': False, 'why': f'not 200 after {a.timeout}s', 'last': last}))
    return 1


def cmd_get(a):
    """GET a URL, save the body, print status, the interesting headers and the body length."""
    headers = {'Accept-Encoding': 'gzip'} if a.gzip else {}
    st, h, body = request('GET', a.url, headers=headers, timeout=30)
    if a.out:
        with open(a.out, 'wb') as f:
            f.write(body)
    info = {'url': a.url, 'status': st, 'bytes': len(body)}
    for name in ('Content-Type', 'Content-Encoding', 'Content-Length', 'Cache-Status', 'ETag', 'Cache-Control',
                 'Vary', 'Transfer-Encoding'):
        v = h.get(name) if st else None
        if v is not None:
            info[name] = v
    if st == 200 and 'Content-Encoding' not in info:
        try:
            info['items'] = len(json.loads(body).get('items', []))
        except (ValueError, AttributeError):
            pass
    if info.get('Content-Encoding', '').lower() == 'gzip':
        try:
            info['decoded_bytes'] = len(gzip.decompress(body))
        except OSError as e:
            info['decode_error'] = str(e)
    print(json.dumps(info))
    return 0 if st == 200 else 1


# ---------------------------------------------------------------- seeding
def item(k):
    return {'sku': 'SKU-%06d' % k, 'name': f'Item number {k}', 'description': DESC, 'category': f'cat-{k % 20}',
            'priceCents': 100 + (k * 37) % 9900}


def cmd_seed(a):
    """POST items 1..n as the editor, `threads` at a time."""
    it, lock, stat, bad = iter(range(1, a.n + 1)), threading.Lock(), collections.Counter(), []
    hdr = {'Authorization': basic(EDITOR), 'Content-Type': 'application/json'}
    url = a.base + '/catalog/items'

    def worker():
        while True:
            with lock:
                k = next(it, None)
            if k is None:
                return
            payload = json.dumps(item(k)).encode()
            for attempt in range(6):
                st, _, body = request('POST', url, headers=hdr, body=payload)
                if st not in (0, 429, 502, 503, 504):
                    break
                with lock:
                    stat['retried'] += 1
                time.sleep(0.5 * (attempt + 1))
            if st == 409 and attempt > 0:
                st = 201      # an earlier attempt had created it after all
            with lock:
                stat[st] += 1
                if st != 201 and len(bad) < 3:
                    bad.append(f'SKU-{k:06d} -> {st} {body[:150]!r}')
    t0 = time.monotonic()
    ts = [threading.Thread(target=worker, daemon=True) for _ in range(a.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    retries = stat.pop('retried', 0)
    ok = stat[201] == a.n
    print(json.dumps({'ok': ok, 'created': stat[201], 'n': a.n, 'seconds': round(secs, 1),
                      'per_second': round(a.n / secs), 'retries': retries, 'statuses': {str(k): v for k, v in stat.items()},
                      'examples': bad}))
    return 0 if ok else 1


# ---------------------------------------------------------------- metrics
_METRIC = re.compile(r'^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metrics(base):
    st, _, body = request('GET', base + '/actuator/prometheus')
    if st != 200:
        raise RuntimeError(f'{base}/actuator/prometheus -> {st}')
    out = []
    for line in body.decode('utf-8', 'replace').splitlines():
        m = _METRIC.match(line)
        if m and not line.startswith('#'):
            try:
                out.append((m.group(1), dict(_LABEL.findall(m.group(2) or '')), float(m.group(3))))
            except ValueError:
                pass
    return out


def cache_counters(base):
    ms = metrics(base)
    res = collections.Counter()
    for n, labels, v in ms:
        if n == 'catalog_cache_requests_total':
            res[labels.get('result', '?')] += v
    return {'loads': sum(v for n, _, v in ms if n == 'catalog_cache_loads_total'),
            'errors': sum(v for n, _, v in ms if n == 'catalog_cache_errors_total'),
            'requests': dict(res)}


def cmd_counters(a):
    print(json.dumps({b: cache_counters(b) for b in a.base}))
    return 0


# ---------------------------------------------------------------- stampede
def cache_status(value):
    for member in (value or '').split(','):
        parts = [p.strip() for p in member.split(';')]
        if parts[0].strip('"').lower() == 'catalog':
            return '; '.join(parts[1:])
    return '(none)'


def cmd_stampede(a):
    """n requests for one path, alternating between the bases, each on its own pre-opened connection,
    released together by a barrier. Reports the loads counted by all bases before and after."""
    urls = [a.bases[i % len(a.bases)] + a.path for i in range(a.n)]
    before = {b: cache_counters(b) for b in a.bases}
    res = [None] * a.n
    barrier = threading.Barrier(a.n)

    def worker(i):
        u = urllib.parse.urlsplit(urls[i])
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.connect()
            barrier.wait(30)
            t0 = time.monotonic()
            conn.request('GET', u.path + '?' + u.query)
            r = conn.getresponse()
            body = r.read()
            res[i] = (r.status, cache_status(r.headers.get('Cache-Status')), body, time.monotonic() - t0)
        except Exception as e:
            res[i] = (0, repr(e), b'', 0.0)
        finally:
            conn.close()
    ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(a.n)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(70)
    wall = time.monotonic() - t0
    res = [r or (0, 'hung', b'', 0.0) for r in res]
    time.sleep(0.5)
    after = {b: cache_counters(b) for b in a.bases}
    per_base = {b: after[b]['loads'] - before[b]['loads'] for b in a.bases}
    errors = {b: after[b]['errors'] - before[b]['errors'] for b in a.bases}
    lat = sorted(r[3] for r in res if r[0] == 200)
    out = {'path': a.path, 'requests': a.n, 'bases': a.bases, 'loads_per_instance': per_base,
           'loads_total': sum(per_base.values()), 'cache_errors_per_instance': errors,
           'statuses': {str(k): v for k, v in collections.Counter(r[0] for r in res).items()},
           'cache_status': dict(collections.Counter(r[1] for r in res).most_common()),
           'distinct_200_bodies': len({r[2] for r in res if r[0] == 200}),
           'body_bytes': max((len(r[2]) for r in res if r[0] == 200), default=0),
           'max_latency_ms': round(lat[-1] * 1000, 1) if lat else None,
           'median_latency_ms': round(lat[len(lat) // 2] * 1000, 1) if lat else None,
           'wall_seconds': round(wall, 2)}
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------- wrk
def parse_wrk(out):
    def num(pat):
        m = re.search(pat, out, re.M)
        return float(m.group(1)) if m else 0.0

    def ms(pct):
        m = re.search(rf'^\s*{pct}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\b', out, re.M)
        return float(m.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[m.group(2)] if m else None
    se = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    tr = re.search(r'Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)', out)
    return {'rps': num(r'Requests/sec:\s+([\d.]+)'), 'requests': int(num(r'(\d+) requests in')),
            'p50_ms': ms(50), 'p75_ms': ms(75), 'p90_ms': ms(90), 'p99_ms': ms(99),
            'transfer_mb_s': (float(tr.group(1)) * {'B': 1e-6, 'KB': 1 / 1024, 'MB': 1, 'GB': 1024}[tr.group(2)]
                              if tr else None),
            'non2xx': int(num(r'Non-2xx or 3xx responses: (\d+)')),
            'socket_errors': sum(map(int, se.groups())) if se else 0}


def cmd_wrk_parse(a):
    with open(a.file) as f:
        print(json.dumps(parse_wrk(f.read())))
    return 0


def cmd_record(a):
    """Write raw/run-ID.json for one target and append ID to raw/runs.order."""
    rec = {'id': a.id, 'label': a.label, 'request': a.request}
    if a.probe:
        try:
            with open(a.probe) as f:
                rec['probe'] = json.load(f)
        except (OSError, ValueError):
            rec['probe'] = None
    if a.wrk:
        with open(a.wrk) as f:
            rec['wrk'] = parse_wrk(f.read())
        if not rec['wrk']['requests']:
            rec['skipped'] = 'wrk produced no result (see raw/' + os.path.basename(a.wrk) + ')'
            rec['wrk'] = None
    if a.skipped:
        rec['skipped'] = a.skipped
    with open(os.path.join(a.raw, f'run-{a.id}.json'), 'w') as f:
        json.dump(rec, f, indent=1)
    with open(os.path.join(a.raw, 'runs.order'), 'a') as f:
        f.write(a.id + '\n')
    return 0


def cmd_meta(a):
    """Merge key=value pairs (a value starting with @ names a JSON file) into raw/meta.json."""
    path = os.path.join(a.raw, 'meta.json')
    meta = load(a.raw, 'meta.json', {})
    for kv in a.pairs:
        k, _, v = kv.partition('=')
        if v.startswith('@'):
            try:
                with open(v[1:]) as f:
                    v = json.load(f)
            except (OSError, ValueError):
                v = None
        meta[k] = v
    with open(path, 'w') as f:
        json.dump(meta, f, indent=1)
    return 0


def cmd_counter_diff(a):
    """Human summary of the change between two `counters` outputs for one base."""
    with open(a.before) as f:
        b = json.load(f)[a.base]
    with open(a.after) as f:
        c = json.load(f)[a.base]
    req = {k: c['requests'].get(k, 0) - b['requests'].get(k, 0) for k in c['requests']}
    parts = [f'{k} +{v:.0f}' for k, v in sorted(req.items()) if v]
    parts.append(f"loads +{c['loads'] - b['loads']:.0f}")
    parts.append(f"cache errors +{c['errors'] - b['errors']:.0f}")
    print('catalog_cache_requests_total ' + ', '.join(parts))
    return 0


# ---------------------------------------------------------------- report
def alternating_pairs(raw, n):
    """Hits ÷ nginx for each pair of back-to-back runs (raw/pair-I-nginx.txt, raw/pair-I-svc.txt)."""
    ratios = []
    for i in range(1, n + 1):
        try:
            with open(os.path.join(raw, f'pair-{i}-nginx.txt')) as f:
                ngx = parse_wrk(f.read())['rps']
            with open(os.path.join(raw, f'pair-{i}-svc.txt')) as f:
                svc = parse_wrk(f.read())['rps']
        except OSError:
            continue
        if ngx and svc:
            ratios.append(svc / ngx)
    return ratios


def load(raw, name, default=None):
    try:
        with open(os.path.join(raw, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def fnum(v, fmt='{:.1f}', none='–'):
    return none if v is None else fmt.format(v)


def ratio(a, b):
    return a / b if a and b else None


def rfmt(v):
    """A ratio with enough digits to be told from zero."""
    return '–' if v is None else f'{v:.2f}' if v >= 0.1 else f'{v:.4f}' if v >= 0.001 else f'{v:.2g}'


def verdict(value, ok, fmt='{:.2f}'):
    if value is None:
        return 'not measured'
    return ('meets' if ok(value) else 'misses')


def cmd_report(a):
    raw = a.raw
    meta = load(raw, 'meta.json', {})
    try:
        with open(os.path.join(raw, 'runs.order')) as f:
            ids = [l.strip() for l in f if l.strip()]
    except OSError:
        ids = []
    runs = [r for r in (load(raw, f'run-{i}.json') for i in ids) if r]
    by_id = {r['id']: r for r in runs}

    def rps(i):
        r = by_id.get(i)
        return r['wrk']['rps'] if r and r.get('wrk') else None

    def enc(r):
        return (r.get('probe') or {}).get('Content-Encoding', 'identity') or 'identity'

    # nginx row to compare each row with: the one that sent the same encoding
    ngx = {enc(r): r for r in runs if r['id'].startswith('nginx') and r.get('wrk')}
    lines = []
    w = lines.append
    w('# Catalog service benchmark')
    w('')
    w(f"Run {meta.get('date', '?')} on `{meta.get('git', '?')}`. "
      f"`GET {meta.get('list_path')}`: {meta.get('json_bytes', '?')} bytes of JSON "
      f"({meta.get('items_in_page', '?')} items). Load: `{meta.get('wrk_cmd')}` per target, one target at a time, "
      'all in this one run; only the ratios are meaningful.')
    w('')
    w('## Throughput and latency')
    w('')
    w('| target | request | response | body bytes | requests/s | p50 ms | p90 ms | p99 ms | errors | ratio vs nginx |')
    w('|---|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for r in runs:
        wk, pr = r.get('wrk'), r.get('probe') or {}
        e = enc(r)
        cs = pr.get('Cache-Status')
        resp = e + (f", `{cs}`" if cs else '')
        if not wk:
            w(f"| {r['label']} | {r.get('request', '')} | {resp} | {pr.get('bytes', '–')} | "
              f"not run: {r.get('skipped', '?')} | | | | | |")
            continue
        ref = ngx.get(e)
        rat = ratio(wk['rps'], ref['wrk']['rps']) if ref else None
        rat_s = '1.00 (reference)' if ref is r else rfmt(rat)
        errs = wk['non2xx'] + wk['socket_errors']
        w(f"| {r['label']} | {r.get('request', '')} | {resp} | {pr.get('bytes', '–')} | {wk['rps']:,.0f} | "
          f"{fnum(wk['p50_ms'], '{:.2f}')} | {fnum(wk['p90_ms'], '{:.2f}')} | {fnum(wk['p99_ms'], '{:.2f}')} | "
          f"{errs} | {rat_s} |")
    w('')
    w('"ratio vs nginx" divides by the nginx row that sent the same Content-Encoding as the target did '
      '(the service is only compared with nginx-gzip when it really answered gzip). '
      '"errors" = non-2xx responses + socket errors reported by wrk.')
    hitmix = meta.get('hit_run_counters')
    if hitmix:
        w('')
        w(f"During the cached plain run the service counted: {hitmix}.")
    w('')

    # targets
    stamp = load(raw, 'stampede.json')
    rb = load(raw, 'redis_bytes.json')
    hit, hitgz = rps('svc-plain'), rps('svc-gzip')
    svc_gz_sent = enc(by_id['svc-gzip']) == 'gzip' if 'svc-gzip' in by_id else False
    r_ngx = ratio(hit, rps('nginx-plain'))
    r_peer = ratio(hit, rps('peer-plain'))
    r_nc = ratio(hit, rps('nocache-plain'))
    r_gz = ratio(hitgz, rps('nginx-gzip')) if svc_gz_sent else None
    loads = stamp.get('loads_total') if stamp else None
    rbr = rb.get('ratio') if rb else None
    pairs = alternating_pairs(raw, int(meta.get('pairs') or 0))
    r_pairs = statistics.median(pairs) if pairs else None
    w('## The issue\'s targets')
    w('')
    w('| # | measure | value | target | |')
    w('|---|---|---:|---|---|')
    w(f"| 1 | cached hit ÷ nginx (plain) | {rfmt(r_ngx)} | ≥ 0.5 (aim 0.8) | "
      f"{verdict(r_ngx, lambda v: v >= 0.5)} |")
    if pairs:
        w(f"| 1 | cached hit ÷ nginx (plain), median of {len(pairs)} alternating pairs of "
          f"{meta.get('pair_seconds')} s (range {min(pairs):.2f}–{max(pairs):.2f}) | {rfmt(r_pairs)} | ≥ 0.5 | "
          f"{verdict(r_pairs, lambda v: v >= 0.5)} |")
    w(f"| 1 | cached hit ÷ nginx, both gzip | "
      f"{rfmt(r_gz) if svc_gz_sent else 'n/a: service did not answer gzip'} | (informational) | |")
    w(f"| 1 | cached hit ÷ FastAPI recipe | {fnum(r_peer, '{:.1f}')} | ≥ 30 | "
      f"{verdict(r_peer, lambda v: v >= 30) if 'peer-plain' in by_id and rps('peer-plain') else 'not measured: ' + str((by_id.get('peer-plain') or {}).get('skipped', 'peer not run'))} |")
    w(f"| 2 | cached hit ÷ CATALOG_CACHE_ENABLED=false | {fnum(r_nc, '{:.1f}')} | ≥ 10 | "
      f"{verdict(r_nc, lambda v: v >= 10)} |")
    w(f"| 3 | database loads for {stamp['requests'] if stamp else 200} concurrent cold requests over 2 instances | "
      f"{fnum(loads, '{:.0f}')} | exactly 1 | {verdict(loads, lambda v: v == 1)} |")
    w(f"| 4 | Redis bytes ÷ JSON bytes for the page | "
      f"{fnum(rbr * 100 if rbr is not None else None, '{:.1f} %')} | ≤ 25 % | {verdict(rbr, lambda v: v <= 0.25)} |")
    w('')
    w('## Stampede')
    w('')
    if stamp:
        w(f"`GET {stamp['path']}` (never requested before), {stamp['requests']} requests each on its own open "
          f"connection, released together by a barrier, alternating between {', '.join(stamp['bases'])} "
          '(same PostgreSQL database, same Redis database).' +
          (f" {meta['stampede_note']}" if meta.get('stampede_note') else ''))
        w('')
        w(f"- `catalog_cache_loads_total` increase: **{stamp['loads_total']:.0f}** in total "
          f"({', '.join(f'{b}: {v:.0f}' for b, v in stamp['loads_per_instance'].items())})")
        if 'cache_errors_per_instance' in stamp:
            w(f"- `catalog_cache_errors_total` increase: "
              f"{', '.join(f'{b}: {v:.0f}' for b, v in stamp['cache_errors_per_instance'].items())}")
        w(f"- statuses: {stamp['statuses']}; distinct 200 bodies: {stamp['distinct_200_bodies']} "
          f"({stamp['body_bytes']} bytes)")
        w(f"- Cache-Status: {stamp['cache_status']}")
        w(f"- latency: median {stamp['median_latency_ms']} ms, max {stamp['max_latency_ms']} ms; "
          f"wall {stamp['wall_seconds']} s")
    else:
        w('not run')
    w('')
    w('## Bytes in Redis')
    w('')
    if rb:
        w(f"Right after the first `GET {meta.get('list_path')}` (no Accept-Encoding, {rb['json_bytes']} bytes of "
          f"JSON), the largest key matching `{rb['pattern']}` was `{rb.get('key')}` "
          f"(type {rb.get('type')}): **{rb.get('bytes')}** bytes by {rb.get('how')} = "
          f"**{fnum(rbr * 100 if rbr is not None else None, '{:.1f}')} %** of the JSON. "
          f"Keys matching after that GET: {rb.get('keys_matching')}.")
    else:
        w('not measured')
    w('')
    w('## Setup')
    w('')
    for k, label in (('machine', 'machine'), ('java', 'java'), ('jar', 'jar'), ('wrk', 'wrk'),
                     ('nginx', 'nginx'), ('peer', 'FastAPI peer'), ('seed', 'seeding'), ('notes', 'notes')):
        v = meta.get(k)
        if v:
            w(f'- {label}: {v}')
    w('')
    w('Raw wrk output, probes and JSON results: `bench/results/raw/`; process logs: `bench/results/logs/`.')
    with open(a.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    chart(runs, a.png)
    return 0


def chart(runs, png):
    def enc(r):
        return (r.get('probe') or {}).get('Content-Encoding', 'identity') or 'identity'
    ngx = {enc(r): r['wrk']['rps'] for r in runs if r['id'].startswith('nginx') and r.get('wrk')}
    rows = []
    for r in runs:
        if not r.get('wrk'):
            continue
        req = 'gzip' if 'gzip' in r.get('request', '') else 'plain'
        got = enc(r)
        label = f"{r['label']}\n{req} request" + ('' if (req == 'gzip') == (got == 'gzip') else f', {got} answer')
        ref = ngx.get(got)
        note = f" ({rfmt(r['wrk']['rps'] / ref)}× nginx {'gzip' if got == 'gzip' else 'plain'})" if ref else ''
        rows.append((label, r['wrk']['rps'], note, r['id']))
    if not rows:
        return
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        svg = os.path.splitext(png)[0] + '.svg'
        write_svg([(l.replace('\n', ', '), v) for l, v, _, _ in rows], svg)
        print(json.dumps({'chart': svg, 'how': 'plain SVG (matplotlib not importable)'}), file=sys.stderr)
        return
    rows = rows[::-1]
    fig, ax = plt.subplots(figsize=(11, 0.75 * len(rows) + 1.8))
    colors = ['#999999' if i.startswith('nginx') else '#4c72b0' if i.startswith('svc') else
              '#8da0cb' if i.startswith('nocache') else '#dd8452' for _, _, _, i in rows]
    bars = ax.barh([l for l, _, _, _ in rows], [v for _, v, _, _ in rows], color=colors)
    for b, (_, v, note, _) in zip(bars, rows):
        ax.text(b.get_width() * 1.05, b.get_y() + b.get_height() / 2, f'{v:,.0f} req/s{note}', va='center',
                fontsize=9)
    ax.set_xscale('log')
    ax.set_xlim(max(1, min(v for _, v, _, _ in rows) / 2), max(v for _, v, _, _ in rows) * 10)
    ax.set_xlabel('requests/s, log scale (wrk -t1 -c32, higher is better)')
    ax.set_title('GET /catalog?category=cat-3&limit=200 (200 items), all targets in one run')
    ax.tick_params(axis='y', labelsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def write_svg(rows, path):
    top = max(v for _, v in rows) or 1
    h = 30 * len(rows) + 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{h}" font-family="sans-serif" '
           'font-size="12">', '<text x="10" y="20">requests/s, GET /catalog?category=cat-3&amp;limit=200</text>']
    for i, (label, v) in enumerate(rows):
        y = 35 + 30 * i
        wdt = 500 * v / top
        out.append(f'<text x="10" y="{y + 15}">{label.replace("&", "&amp;").replace("<", "&lt;")}</text>')
        out.append(f'<rect x="300" y="{y}" width="{wdt:.1f}" height="20" fill="#4c72b0"/>')
        out.append(f'<text x="{305 + wdt:.1f}" y="{y + 15}">{v:,.0f}</text>')
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('wait'); s.add_argument('url'); s.add_argument('--timeout', type=float, default=120)
    s.add_argument('--pid', type=int)
    s = sub.add_parser('get'); s.add_argument('url'); s.add_argument('--out'); s.add_argument('--gzip', action='store_true')
    s = sub.add_parser('seed'); s.add_argument('base'); s.add_argument('--n', type=int, default=10000)
    s.add_argument('--threads', type=int, default=16)
    s = sub.add_parser('counters'); s.add_argument('base', nargs='+')
    s = sub.add_parser('stampede'); s.add_argument('path'); s.add_argument('bases', nargs='+')
    s.add_argument('--n', type=int, default=200)
    s = sub.add_parser('wrk-parse'); s.add_argument('file')
    s = sub.add_parser('record'); s.add_argument('raw'); s.add_argument('--id', required=True)
    s.add_argument('--label', required=True); s.add_argument('--request', default='')
    s.add_argument('--probe'); s.add_argument('--wrk'); s.add_argument('--skipped')
    s = sub.add_parser('meta'); s.add_argument('raw'); s.add_argument('pairs', nargs='*')
    s = sub.add_parser('counter-diff'); s.add_argument('before'); s.add_argument('after'); s.add_argument('base')
    s = sub.add_parser('report'); s.add_argument('raw'); s.add_argument('out'); s.add_argument('png')
    a = p.parse_args()
    return globals()['cmd_' + a.cmd.replace('-', '_')](a)


if __name__ == '__main__':
    sys.exit(main())
