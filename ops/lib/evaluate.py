#!/usr/bin/env python3
"""Asks a Prometheus that scrapes a running catalog-service about the dashboard and the rules.

Passes when
  * every PromQL expression of the dashboard parses and returns at least one series,
  * every metric that an expression of the dashboard or of a loaded rule names has series,
  * every template variable (label_values(metric, label)) has values,
  * every rule loaded from alerts.yml evaluates without error.

Prints one line per check and a closing "N passed, N failed"; exits 1 on any failure.
Standard library only, so that it runs on a fresh machine.
"""

import json
import re
import sys
import urllib.parse
import urllib.request

# What Grafana puts in place of its variables when it runs the queries.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$job": ".+",
    "$instance": ".+",
}

# PromQL words that look like metric names.
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
    "unless", "atan2", "inf", "nan",
}


def query(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


def substitute(expr):
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


def metric_names(expr):
    """The metric names an expression selects: identifiers that are neither functions,
    keywords, label names nor inside strings, label matchers, ranges or grouping clauses."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+\w+", " ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = match.group(0)
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def dashboard_queries(dashboard):
    def walk(panels):
        for panel in panels:
            yield from walk(panel.get("panels", []))
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield panel.get("title", "?"), target["expr"]

    return list(walk(dashboard.get("panels", [])))


def main():
    base, dashboard_path = sys.argv[1], sys.argv[2]
    with open(dashboard_path) as file:
        dashboard = json.load(file)
    passed, failed = 0, 0

    def report(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(("PASS  " if ok else "FAIL  ") + what + (f"  ({detail})" if detail else ""))

    names = {}
    for title, expr in dashboard_queries(dashboard):
        result = query(base, "/api/v1/query", {"query": substitute(expr)})
        if result.get("status") != "success":
            report(False, f"dashboard '{title}': {expr}", result.get("error", "no answer"))
        else:
            series = result["data"]["result"]
            report(bool(series), f"dashboard '{title}': {expr}", f"{len(series)} series" if series else "no data")
        for name in metric_names(expr):
            names.setdefault(name, f"dashboard '{title}'")

    for variable in dashboard.get("templating", {}).get("list", []):
        definition = variable.get("definition", "")
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", definition)
        if not match:
            continue
        selector, label = substitute(match.group(1)), match.group(2)
        result = query(base, f"/api/v1/label/{label}/values", {"match[]": selector})
        values = result.get("data") or []
        report(result.get("status") == "success" and bool(values), f"variable ${variable['name']}: {definition}",
               ", ".join(values) if values else result.get("error", "no values"))
        for name in metric_names(match.group(1)):
            names.setdefault(name, f"variable ${variable['name']}")

    rules = query(base, "/api/v1/rules", {}).get("data", {}).get("groups", [])
    loaded = [rule for group in rules for rule in group["rules"]]
    report(bool(loaded), "alerting rules loaded by the server", f"{len(loaded)} rules")
    for rule in loaded:
        report(rule.get("health") == "ok", f"rule {rule['name']} evaluates",
               rule.get("lastError") or rule.get("health"))
        for name in metric_names(rule["query"]):
            names.setdefault(name, f"rule {rule['name']}")

    for name, user in sorted(names.items()):
        result = query(base, "/api/v1/series", {"match[]": name})
        count = len(result.get("data") or [])
        report(count > 0, f"metric {name} is exported (used by {user})", f"{count} series")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
