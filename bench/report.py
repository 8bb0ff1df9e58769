#!/usr/bin/env python3
"""Turns bench/run's raw results directory into the markdown table of bench/results.md."""
import json
import os
import re
import subprocess
import sys
import time

RES, ROOT = sys.argv[1], sys.argv[2]
# The previous results.md: its "## Notes" section (before/after figures, diagnosis) is kept.
PREVIOUS = sys.argv[3] if len(sys.argv) > 3 else None


def read(name):
    p = os.path.join(RES, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        text = f.read().strip()
    return json.loads(text) if name.endswith(".json") else text


def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v if u == "ms" else v * 1000 if u == "s" else v * 60000


def wrk_one(t):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    sock = re.search(r"Socket errors: (.*)", t)
    errs = (int(non2xx.group(1)) if non2xx else 0)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errs, "socket": sock.group(1) if sock else ""}


def wrk(name):
    """The median run (by requests/s) of NAME.<i>.txt, with the range over all runs."""
    runs = []
    for f in sorted(os.listdir(RES)):
        if re.fullmatch(re.escape(name) + r"(\.\d+)?\.txt", f):
            runs.append(wrk_one(read(f)))
    if not runs:
        return None
    runs.sort(key=lambda r: r["rps"])
    mid = dict(runs[len(runs) // 2])
    mid["errors"] = sum(r["errors"] for r in runs)
    if len(runs) > 1:
        mid["range"] = (f" [median of {len(runs)} runs; {runs[0]['rps']:,.0f}–{runs[-1]['rps']:,.0f} req/s, "
                        f"p99 {min(r['p99'] for r in runs):.1f}–{max(r['p99'] for r in runs):.1f} ms]")
    else:
        mid["range"] = ""
    return mid


def fmt(w):
    return (f"{w['rps']:,.0f} req/s, p50 {w['p50']:.2f} ms, p99 {w['p99']:.2f} ms, non-2xx {w['errors']}"
            f"{', socket ' + w['socket'] if w['socket'] else ''}{w['range']}")


def verdict(ok):
    return "met" if ok else "**missed**"


NM = "not measured yet"
rows = []
for c in (1, 16, 64):
    w = wrk(f"create_c{c}")
    if w is None:
        rows.append((f"1. POST /api/pause, c={c}", NM, "", ""))
        continue
    target, v = "", ""
    if c == 64:
        target = "≥ 12,000/s, p99 ≤ 25 ms"
        v = verdict(w["rps"] >= 12000 and w["p99"] <= 25 and w["errors"] == 0)
    rows.append((f"1. POST /api/pause, c={c}", fmt(w), target, v))

w = wrk("create_noemail_c64")
rows.append(("1b. POST /api/pause, c=64, approver's emails turned off",
             NM if w is None else fmt(w),
             "≥ 12,000/s, p99 ≤ 25 ms",
             "" if w is None else verdict(w["rps"] >= 12000 and w["p99"] <= 25 and w["errors"] == 0)))

w = wrk("read_c64")
rows.append(("2. GET /api/pause/:id, 1M stored, c=64 (after a 10 s warm-up pass)",
             NM if w is None else fmt(w),
             "≥ 30,000/s, p99 ≤ 10 ms",
             "" if w is None else verdict(w["rps"] >= 30000 and w["p99"] <= 10 and w["errors"] == 0)))

rr = read("read_rss")
if rr:
    rows.append(("2b. server memory after the read runs (RssAnon = private; RssFile = the mmap'd database, OS page cache)",
                 rr.replace("\n", ", ").replace(":", ""), "(context)", ""))

d = read("decide.json")
rows.append(("3. decision → long-polling agent (approve response → agent response)",
             NM if d is None else
             f"p50 {d['p50_ms']:.2f} ms, p99 {d['p99_ms']:.2f} ms over {d['trials']} trials, errors {d['errors']} "
             f"(agent answered before the approve response in {d['agent_before_decision_response']}; "
             f"from approve request sent: p50 {d['from_request_p50_ms']:.2f} ms, p99 {d['from_request_p99_ms']:.2f} ms)",
             "p99 ≤ 5 ms", "" if d is None else verdict(d["p99_ms"] <= 5 and d["errors"] == 0)))

wt = read("waiters.json")
if wt is None:
    rows.append(("4. 10,000 concurrent long-poll waiters", NM, "≤ 150 MB RSS, zero errors", ""))
else:
    tr = wt["trial"]
    rows.append(("4. 10,000 concurrent long-poll waiters",
                 f"{wt['connected']:,} connected, RSS {wt['rss_mb']:.0f} MB"
                 f"{' (anon %.0f MB, file %.0f MB)' % (wt['rss_anon_mb'], wt['rss_file_mb']) if wt.get('rss_anon_mb') else ''}, "
                 f"waiter errors {wt['waiter_errors']} "
                 f"{wt['error_kinds'] or ''}; decision → agent meanwhile: p50 {tr['p50_ms']:.2f} ms, "
                 f"p99 {tr['p99_ms']:.2f} ms ({tr['trials']} trials, {tr['errors']} errors)",
                 "≤ 150 MB RSS, zero errors",
                 verdict(wt["rss_mb"] <= 150 and wt["waiter_errors"] == 0 and wt["connected"] == wt["waiters"]
                         and tr["errors"] == 0)))

for c in (1, 16):
    w = wrk(f"list_c{c}")
    rows.append((f"5. GET /api/pause?status=pending (first page of 50), 1M stored, 1,000 pending, c={c}",
                 NM if w is None else fmt(w),
                 "p99 ≤ 5 ms", "" if w is None else verdict(w["p99"] <= 5 and w["errors"] == 0)))

e, m, h = read("dbsize_empty.json"), read("dbsize_million.json"), read("dbsize_http.json")
if e and m:
    bpp = (m["bytes"] - e["bytes"]) / (m["pauses"] - e["pauses"])
    rows.append(("6a. database bytes per pause (bulk: 999,000 approved with 2 audit rows, 1,000 pending with 1)",
                 f"{bpp:,.0f} B ({m['bytes'] / 1e6:,.0f} MB for {m['pauses']:,} pauses, {m['rows']['audit_log']:,} audit rows)",
                 "≤ 845 B", verdict(bpp <= 845)))
else:
    rows.append(("6a. database bytes per pause", NM, "≤ 845 B", ""))
if h and h["pauses"]:
    rows.append(("6b. database bytes per pause as the server writes it (scenario 1's DB: pending, audit + email outbox + decision links, 1 user)",
                 f"{h['bytes'] / h['pauses']:,.0f} B ({h['pauses']:,} pauses; rows {h['rows']})", "(context)", ""))
ri, rf = read("idle_rss_million"), read("idle_rss_fresh")
rows.append(("6c. idle RSS (1M stored; fresh DB in brackets)",
             NM if ri is None else f"{float(ri):.1f} MB ({rf} MB)", "≤ 30 MB",
             "" if ri is None else verdict(float(ri) <= 30)))
rd = read("ready_s")
rows.append(("6d. process start → /readyz answers, 1M stored", NM if rd is None else f"{float(rd) * 1000:.0f} ms",
             "≤ 1 s", "" if rd is None else verdict(float(rd) <= 1)))
sr = read("signin_rss.json")
rows.append(("7. RSS around 100 concurrent sign-ins (argon2 on --hash-threads 2)",
             NM if sr is None else f"{sr['before_mb']:.1f} → {sr['after_mb']:.1f} MB",
             "≤ +64 MB (2 × 20 MiB + 24 MiB)",
             "" if sr is None else verdict(sr['after_mb'] - sr['before_mb'] <= 64)))

ag = read("agents.json")
if ag is None:
    rows.append(("8. 10,000 agents parked on their checkpoint long-poll (emergency stop on)", NM,
                 "zero errors; guidance → agent p99 ≤ 5 ms", ""))
else:
    tr = ag["trial"]
    rows.append(("8. 10,000 agents parked on their checkpoint long-poll (emergency stop on)",
                 f"{ag['connected']:,} connected, RSS {ag['rss_mb']:.0f} MB "
                 f"(anon {ag['rss_anon_mb']:.0f} MB, file {ag['rss_file_mb']:.0f} MB), agent errors {ag['agent_errors']} "
                 f"{ag['error_kinds'] or ''}; guidance → parked agent meanwhile: p50 {tr['p50_ms']:.2f} ms, "
                 f"p99 {tr['p99_ms']:.2f} ms ({tr['trials']} trials, {tr['errors']} errors; from the guide "
                 f"request sent: p99 {tr['from_request_p99_ms']:.2f} ms)",
                 "zero errors; guidance → agent p99 ≤ 5 ms",
                 verdict(ag["agent_errors"] == 0 and ag["connected"] == ag["agents"] and tr["errors"] == 0
                         and tr["p99_ms"] <= 5)))

commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "migrations"],
                       capture_output=True, text=True).stdout.strip()
cpu = ""
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
print("# Holdpoint benchmark results\n")
print(f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
print(f"- commit: {commit}{' (with uncommitted changes to the server)' if dirty else ''}")
print(f"- cores: {os.cpu_count()} ({cpu}); wrk/driver share them with the server; 127.0.0.1 only")
print("- server: release build, default settings (synchronous=FULL, notifications to .eml files, "
      "one active user so each create also queues one approval email)\n")
print("| scenario | measured | target | verdict |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
if PREVIOUS and os.path.exists(PREVIOUS):
    with open(PREVIOUS) as f:
        prev = f.read()
    if "\n## Notes" in prev:
        print("\n" + prev[prev.index("\n## Notes") + 1:].rstrip())
