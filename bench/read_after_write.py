"""Writers and readers across two instances under a wrk hit load; see read-after-write.sh."""
import argparse
import base64
import json
import random
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request

EDITOR = "Basic " + base64.b64encode(b"editor:editor-secret").decode()


def call(method, url, body=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    if body is not None or method != "GET":
        request.add_header("Authorization", EDITOR)
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Cache-Status", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Cache-Status", "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bases", required=True)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis-db", default="6")
    parser.add_argument("--stall-ms", type=int, default=0)
    parser.add_argument("--logs", required=True)
    args = parser.parse_args()
    bases = args.bases.split(",")
    categories = ["raw-a", "raw-b", "raw-c", "raw-d"]
    items = []
    for k in range(40):
        category = categories[k % 4]
        status, body, _ = call("POST", bases[0] + "/catalog/items",
                               {"sku": f"RAW-{k}", "name": f"Trial item {k}", "description": "v0",
                                "category": category, "priceCents": 1000})
        assert status == 201, (status, body)
        items.append({"id": json.loads(body)["id"], "sku": f"RAW-{k}", "category": category, "version": 0,
                      "lock": threading.Lock()})
    hot = "/catalog?category=raw-hot&limit=20"
    call("POST", bases[0] + "/catalog/items", {"sku": "HOT", "name": "Hot", "description": "", "category": "raw-hot",
                                               "priceCents": 1})
    wrks = [subprocess.Popen(["wrk", "-t1", f"-c{max(1, args.connections // 2)}", f"-d{args.seconds}s", base + hot],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for base in bases]
    stop = time.monotonic() + args.seconds
    began = time.perf_counter()
    results = {"writes": 0, "answers": {}, "reads": 0, "hits": 0, "stale": [], "stalls": 0, "write_ms": []}
    lock = threading.Lock()

    def stall():
        while time.monotonic() < stop:
            time.sleep(1)
            subprocess.run(["redis-cli", "EVAL", "local s=redis.call('TIME') repeat local n=redis.call('TIME') "
                            "until (n[1]-s[1])*1000000+(n[2]-s[2]) >= tonumber(ARGV[1]) return 1", "0",
                            str(args.stall_ms * 1000)], stdout=subprocess.DEVNULL, check=False)
            with lock:
                results["stalls"] += 1

    def check(base, path, predicate, what):
        status, body, cache_status = call("GET", base + path)
        with lock:
            results["reads"] += 1
            results["hits"] += cache_status == "catalog; hit"
            if not predicate(status, body):
                results["stale"].append(f"{base}{path} after {what}: {status} {cache_status} {body[:160]}")

    def writer(number):
        mine = items[number::2]
        while time.monotonic() < stop:
            item = random.choice(mine)
            with item["lock"]:
                writer_base, reader_base = random.sample(bases, 2)
                old_category = item["category"]
                new_category = random.choice(categories)
                version = item["version"] + 1
                started = time.perf_counter()
                status, body, _ = call("PUT", f"{writer_base}/catalog/items/{item['id']}",
                                       {"sku": item["sku"], "name": f"Trial item {item['sku']}",
                                        "description": f"v{version}", "category": new_category,
                                        "priceCents": 1000 + version})
                with lock:
                    results["answers"][status] = results["answers"].get(status, 0) + 1
                    results["write_ms"].append(((time.perf_counter() - started) * 1000,
                                                started - began))
                if status not in (200, 503):
                    continue
                item["category"], item["version"] = new_category, version
                with lock:
                    results["writes"] += 1
                sku = item["sku"]
                what = f"PUT {sku} v{version} {old_category}->{new_category} ({status})"
                check(reader_base, f"/catalog/items/{item['id']}",
                      lambda s, b: s == 200 and json.loads(b)["description"] == f"v{version}", what)
                check(reader_base, f"/catalog?category={new_category}&limit=100",
                      lambda s, b: f'"sku":"{sku}","name":"Trial item {sku}","description":"v{version}"' in b, what)
                if old_category != new_category:
                    check(reader_base, f"/catalog?category={old_category}&limit=100",
                          lambda s, b: f'"sku":"{sku}"' not in b, what)
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    if args.stall_ms > 0:
        threads.append(threading.Thread(target=stall))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wrk_out = [w.communicate()[0] for w in wrks]
    print(f"{results['writes']} writes ({results['answers']}), {results['reads']} reads right after them on the "
          f"other instance, {results['hits']} of them hits, {len(results['stale'])} stale; "
          f"{results['stalls']} Redis stalls of {args.stall_ms} ms")
    write_ms = sorted(results["write_ms"]) or [(0, 0)]
    print(f"writes answered in p50 {write_ms[len(write_ms) // 2][0]:.1f} ms, "
          f"p99 {write_ms[min(len(write_ms) - 1, int(len(write_ms) * 0.99))][0]:.1f} ms; the slowest: "
          + ", ".join(f"{ms:.0f} ms (sent {at:.1f} s in)" for ms, at in reversed(write_ms[-3:])))
    for line in results["stale"][:10]:
        print("  stale:", line)
    for base, out in zip(bases, wrk_out):
        rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
        print(f"wrk on {base}{hot}: {rate.group(1) if rate else '?'} requests/s")
    for base in bases:
        metrics = urllib.request.urlopen(base + "/actuator/prometheus", timeout=10).read().decode()
        quantiles = {m.group(2) + "/" + m.group(1): float(m.group(3)) * 1000 for m in re.finditer(
            r'catalog_cache_invalidations_seconds\{[^}]*outcome="(\w+)"[^}]*quantile="([\d.]+)"[^}]*\} ([\d.eE+-]+)',
            metrics)}
        counts = {m.group(1): int(float(m.group(2))) for m in re.finditer(
            r'catalog_cache_invalidations_seconds_count\{[^}]*outcome="(\w+)"[^}]*\} ([\d.eE+-]+)', metrics)}
        maxima = {m.group(1): float(m.group(2)) * 1000 for m in re.finditer(
            r'catalog_cache_invalidations_seconds_max\{[^}]*outcome="(\w+)"[^}]*\} ([\d.eE+-]+)', metrics)}
        waited_out = re.search(r"catalog_cache_stamps_leases_waited_out_total(?:\{[^}]*\})? ([\d.eE+-]+)", metrics)
        print(f"{base}: invalidations {counts}; confirmed p50 {quantiles.get('0.5/confirmed', 0):.1f} ms, "
              f"p99 {quantiles.get('0.99/confirmed', 0):.1f} ms, max {maxima.get('confirmed', 0):.1f} ms; "
              f"holders' leases waited out: {int(float(waited_out.group(1))) if waited_out else 'n/a'}")
    warnings = sum(open(path).read().count("Could not invalidate") for path in args.logs.split(","))
    print(f'"Could not invalidate" lines in the logs: {warnings}')


if __name__ == "__main__":
    main()
