#!/usr/bin/env python3
"""Where an idle miss's time goes, step by step, read off the wire: against a running service,
as root (it runs tcpdump on the loopback interface):

    python3 bench/miss-timeline.py http://127.0.0.1:18080 [ROUNDS (50)] [WARMUP_SECONDS (40)]

First a warm-up as bench/low-load.py's (four connections, back to back, a hot item page and the
pages of items kept apart), so that the JIT has compiled the paths. Then ROUNDS misses of item
pages not read before, one every 200 ms on one keep-alive connection, while tcpdump records every
packet to the service's port, Redis (6379) and PostgreSQL (5432). Each command the service sends
is named from its bytes (RESP for Redis: the counters' MGET or seed script, the entry's GET, the
client limit's script, the lease's SET NX, the store's SET, the lease's release; the PostgreSQL
wire protocol: a simple query is the pool's validation query, an extended one the load), and its
reply is the next packet back on that connection.

Prints one miss's timeline (the median one by total time), then, over all misses, the median time
from the request's arrival to each command being sent, the median round trip of each, and the
median time between one step's reply and the next step's sending: the service's own CPU and
thread hand-offs between steps, which no round trip accounts for.
"""
import http.client, json, os, random, re, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

if not shutil.which('tcpdump') or os.geteuid() != 0:
    sys.exit('needs tcpdump (apt-get install tcpdump) and root, to read the loopback interface')

base = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
warmup_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 40
url = urllib.parse.urlsplit(base)
port = url.port
conn = http.client.HTTPConnection(url.hostname, port, timeout=10)


def get(c, path):
    c.request('GET', path)
    r = c.getresponse()
    r.read()
    return r.status, r.getheader('Cache-Status') or ''


def item_ids():
    ids, cursor = [], None
    while True:
        c = http.client.HTTPConnection(url.hostname, port, timeout=10)
        c.request('GET', '/catalog?limit=200' + ('&cursor=' + cursor if cursor else ''))
        page = json.loads(c.getresponse().read())
        ids += [item['id'] for item in page['items']]
        cursor = page.get('nextCursor')
        if not cursor:
            return ids


ids = item_ids()
if len(ids) < rounds + 1:
    sys.exit(f'the catalog holds {len(ids)} items; {rounds + 1} are needed')
random.shuffle(ids)
measured, spare = ids[:rounds + 1], ids[rounds + 1:]
hot = '/catalog/items/%d' % measured.pop()


def warm_up(until):
    c = http.client.HTTPConnection(url.hostname, port, timeout=10)
    while time.monotonic() < until:
        get(c, hot)
        if spare:
            get(c, '/catalog/items/%d' % spare.pop())


until = time.monotonic() + warmup_seconds
workers = [threading.Thread(target=warm_up, args=(until,)) for _ in range(4)]
for w in workers:
    w.start()
for w in workers:
    w.join()

# To a file: a pipe read only at the end would fill, and tcpdump would drop packets meanwhile.
capture_file = tempfile.TemporaryFile(mode='w+')
capture = subprocess.Popen(['tcpdump', '-i', 'lo', '-nn', '-tt', '-x', '-s', '400',
                            f'tcp port {port} or tcp port 6379 or tcp port 5432'],
                           stdout=capture_file, stderr=subprocess.DEVNULL, text=True)
time.sleep(1)
statuses = []
for item in measured:
    time.sleep(0.2)
    statuses.append(get(conn, '/catalog/items/%d' % item))
time.sleep(0.5)
capture.terminate()
capture.wait()
capture_file.seek(0)
out = capture_file.read()

HEADER = re.compile(r'^(\d+\.\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+):')


def packets(text):
    """(time, from port, to port, payload) of each packet that carries data."""
    current, data = None, []

    def flush():
        if current is None:
            return None
        raw = bytes.fromhex(''.join(data))
        if raw[0] >> 4 != 4:
            raw = raw[14:]  # some packets come with the loopback's link-layer header
        ip_header = (raw[0] & 0x0F) * 4
        tcp_header = (raw[ip_header + 12] >> 4) * 4
        payload = raw[ip_header + tcp_header:]
        return (current[0], current[1], current[2], payload) if payload else None

    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            done = flush()
            if done:
                yield done
            current, data = (float(m.group(1)), int(m.group(3)), int(m.group(5))), []
        elif line.startswith('\t0x') and current is not None:
            data.append(''.join(line.split(':', 1)[1].split()))
    done = flush()
    if done:
        yield done


def redis_commands(payload):
    """The names of the RESP commands in one packet (pipelined commands share one)."""
    names, i = [], 0
    while i < len(payload) and payload[i:i + 1] == b'*':
        parts = []
        try:
            end = payload.index(b'\r\n', i)
            count = int(payload[i + 1:end])
            i = end + 2
            for _ in range(count):
                end = payload.index(b'\r\n', i)
                length = int(payload[i + 1:end])
                parts.append(payload[end + 2:end + 2 + length])
                i = end + 2 + length + 2
        except ValueError:
            i = len(payload)  # cut off by the capture's snap length: what was read names it
        if parts:
            names.append(name_of(parts))
    return names


def name_of(parts):
    command = parts[0].decode().upper()
    keys = b' '.join(parts[1:4])
    if command == 'MGET':
        return 'read counters (MGET)'
    if command == 'GET':
        return 'get entry (GET)'
    if command == 'SET':
        return 'take lease (SET NX)' if b':lease:' in keys else 'store entry (SET)'
    if command in ('EVALSHA', 'EVAL'):
        if b':lease:' in keys:
            return 'release lease (script)'
        if b'limit' in keys:
            return 'client limit (script)'
        if b':gen:' in keys:
            return 'seed counters (script)'
        return 'script'
    return command


def pg_messages(payload):
    kind = chr(payload[0])
    if kind == 'Q':
        return ['validation query (pool)']
    if kind in 'PB':
        return ['load query (database)']
    return ['database ' + kind]


timelines = []
pending = {}  # connection (port of the service's side) -> names awaiting a reply
current = None
for t, src, dst, payload in packets(out):
    if dst == port:
        current = {'start': t, 'events': []}
        timelines.append(current)
        continue
    if current is None:
        continue
    if src == port:
        current['end'] = t
        current = None
        continue
    if dst in (6379, 5432):
        names = redis_commands(payload) if dst == 6379 else pg_messages(payload)
        events = [[name, t, None] for name in names]
        current['events'] += events
        pending.setdefault(src, []).extend(events)
    elif src in (6379, 5432):
        for event in pending.pop(dst, []):
            event[2] = t

complete = [tl for tl in timelines if 'end' in tl and all(e[2] for e in tl['events'])]
misses = sum(1 for status, cache in statuses if status == 200 and 'miss' in cache)
print(f'{len(complete)} of {rounds} requests traced ({misses} answered as misses)')
if not complete:
    sys.exit(1)
complete.sort(key=lambda tl: tl['end'] - tl['start'])
typical = complete[len(complete) // 2]
print(f'\nthe median miss ({(typical["end"] - typical["start"]) * 1000:.2f} ms), ms from the request:')
for name, sent, replied in typical['events']:
    print(f'  {(sent - typical["start"]) * 1000:6.2f}  {name}, reply after {(replied - sent) * 1000:.2f}')
print(f'  {(typical["end"] - typical["start"]) * 1000:6.2f}  response')

# Medians over every traced miss, step by step, in the order of the median miss.
sent_at, round_trip, gap_before = {}, {}, {}
for tl in complete:
    last_reply = tl['start']
    seen = set()
    for name, sent, replied in tl['events']:
        if name in seen:
            continue
        seen.add(name)
        sent_at.setdefault(name, []).append((sent - tl['start']) * 1000)
        round_trip.setdefault(name, []).append((replied - sent) * 1000)
        gap_before.setdefault(name, []).append(max(0.0, sent - last_reply) * 1000)
        last_reply = max(last_reply, replied)
    gap_before.setdefault('response', []).append((tl['end'] - last_reply) * 1000)
totals = [(tl['end'] - tl['start']) * 1000 for tl in complete]
print(f'\nover {len(complete)} misses, medians in ms (total: median {statistics.median(totals):.2f})')
print(f'  {"step":28} {"sent at":>8} {"round trip":>11} {"before it":>10}')
order = [name for name, _, _ in typical['events']]
order += [name for name in sent_at if name not in order]
for name in dict.fromkeys(order):
    print(f'  {name:28} {statistics.median(sent_at[name]):8.2f} {statistics.median(round_trip[name]):11.2f}'
          f' {statistics.median(gap_before[name]):10.2f}')
print(f'  {"response":28} {statistics.median(totals):8.2f} {"":>11} {statistics.median(gap_before["response"]):10.2f}')
print('\n"before it": from the previous step\'s reply (or the request) to this step being sent')
