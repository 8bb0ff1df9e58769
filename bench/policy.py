#!/usr/bin/env python3
"""Decision policies on the create path (bench/run, HP_ONLY=policy).

  policy.py rules --count 100 FILE    # a rules export: COUNT enabled rules none of which matches
                                      # post_policy.lua's pause (so each create walks them all)
  policy.py creates --port P --key K --n N
                                      # N sequential creates on one keep-alive connection, each
                                      # checked to be 201 and still pending; prints the seconds
  policy.py cgtotal --creates N FILE  # a callgrind output's instruction total, as JSON
  policy.py report DIR                # the table of wrk medians and instructions per create
"""
import argparse
import glob
import http.client
import json
import re
import sys
import time

# The body of post_policy.lua (same action, tool and context).
BODY = json.dumps({
    "action": "send_invoice", "tool": "send_invoice",
    "context": {"to": "customer@example.com", "amount_cents": 125000, "currency": "EUR",
                "invoice": "INV-2026-000123", "note": "x" * 180},
}).encode()


def rule(i, count):
    """Four shapes, each failing on a different member; the first half deny, the rest allow."""
    kind = i % 4
    match = [
        {"tool": "send_invoice", "agent": f"bot-{i}"},           # no agent sent
        {"tool": "send_*", "metadata": {"customer": f"cust_{i}"}},  # no metadata sent
        {"tool": "*invoice*", "context": {"to": f"nobody{i}@*"}},   # another recipient
        {"tool": f"other_tool_{i}*"},                               # another tool
    ][kind]
    r = {"name": f"bench-{i:03}", "effect": "deny" if 2 * i < count else "allow",
         "enabled": True, "match": match}
    if r["effect"] == "allow":
        r["maxRisk"] = "critical"
    else:
        r["note"] = "bench rule"
    return r


def cmd_rules(a):
    with open(a.file, "w") as f:
        json.dump({"rules": [rule(i, a.count) for i in range(a.count)]}, f, indent=1)


def cmd_creates(a):
    conn = http.client.HTTPConnection("127.0.0.1", a.port)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {a.key}"}
    t0 = time.perf_counter()
    for _ in range(a.n):
        conn.request("POST", "/api/pause", BODY, headers)
        res = conn.getresponse()
        body = res.read()
        if res.status != 201 or json.loads(body)["status"] != "pending":
            sys.exit(f"unexpected answer {res.status}: {body[:300]!r}")
    print(round(time.perf_counter() - t0, 3))


def median_run(runs):
    """The run with the median requests/s, and the range of requests/s."""
    ranked = sorted(runs, key=lambda r: r["rps"])
    return ranked[len(ranked) // 2], ranked[0]["rps"], ranked[-1]["rps"]


def wrk_run(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {p: ms(re.search(rf"^\s+{p}%\s+(\S+)", text, re.M).group(1)) for p in ("50", "99")}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"], "non2xx": int(bad.group(1)) if bad else 0}


def ms(t):
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if t.endswith(unit):
            return float(t[: -len(unit)]) * f
    return float(t)


def cmd_report(a):
    """Markdown rows: wrk medians per concurrency and rule count, then instructions per create."""
    print("| measured | 0 rules | 100 rules | change |")
    print("|---|---|---|---|")
    for c in (1, 16):
        cells = {}
        for n in (0, 100):
            runs = [wrk_run(f) for f in sorted(glob.glob(f"{a.dir}/policy_r{n}_c{c}.*.txt"))]
            m, lo, hi = median_run(runs)
            cells[n] = m
            cells[f"{n}s"] = (f"{m['rps']:,.0f} req/s, p50 {m['p50']:.2f} ms, p99 {m['p99']:.2f} ms, "
                              f"non-2xx {sum(r['non2xx'] for r in runs)} "
                              f"[median of {len(runs)}; {lo:,.0f}–{hi:,.0f}]")
        change = (cells[100]["rps"] / cells[0]["rps"] - 1) * 100
        print(f"| POST /api/pause, c={c} (wrk) | {cells['0s']} | {cells['100s']} | {change:+.1f} % req/s |")
    per = {}
    for n in (0, 100):
        cg = json.load(open(f"{a.dir}/cg_r{n}.json"))
        per[n] = cg["ir"] / cg["creates"]
    change = (per[100] / per[0] - 1) * 100
    print(f"| instructions per create (callgrind, server side, {cg['creates']:,} sequential creates) "
          f"| {per[0]:,.0f} | {per[100]:,.0f} | {change:+.1f} % |")


def cmd_cgtotal(a):
    """The instructions a callgrind output file counted (its `totals:` or `summary:` line)."""
    ir = 0
    for line in open(a.file):
        if line.startswith(("totals:", "summary:")):
            ir = int(line.split()[1])
    print(json.dumps({"ir": ir, "creates": a.creates}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("rules")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("file")
    s = sub.add_parser("creates")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--n", type=int, required=True)
    s = sub.add_parser("report")
    s.add_argument("dir")
    s = sub.add_parser("cgtotal")
    s.add_argument("--creates", type=int, required=True)
    s.add_argument("file")
    a = p.parse_args()
    {"rules": cmd_rules, "creates": cmd_creates, "report": cmd_report, "cgtotal": cmd_cgtotal}[a.cmd](a)


if __name__ == "__main__":
    main()
