#!/usr/bin/env python3
"""Drivers for bench/run: sign-in, decision-to-agent latency, many waiters, bulk load.

Standard library only (asyncio + raw sockets, sqlite3). Talks to 127.0.0.1 only.
Every subcommand prints one JSON object on stdout.
"""
import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import time
import urllib.parse
import http.client

HOST = "127.0.0.1"
CONTEXT = {"to": "customer@example.com", "amount_cents": 125000, "currency": "EUR",
           "invoice": "INV-2026-000123", "note": "x" * 180}
CONTEXT_JSON = json.dumps(CONTEXT, separators=(",", ":"))


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


# ---------------------------------------------------------------- tiny HTTP/1.1 client
class Conn:
    def __init__(self, port):
        self.port = port
        self.r = self.w = None

    async def open(self):
        self.r, self.w = await asyncio.open_connection(HOST, self.port)

    async def request(self, method, path, headers=None, body=b""):
        if self.w is None:
            await self.open()
        h = {"Host": f"{HOST}:{self.port}", "Content-Length": str(len(body))}
        h.update(headers or {})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        self.w.write(head.encode() + body)
        await self.w.drain()
        status_line = await self.r.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length = 0
        chunked = False
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "transfer-encoding" and "chunked" in v:
                chunked = True
        if chunked:
            data = b""
            while True:
                size = int((await self.r.readline()).strip(), 16)
                if size == 0:
                    await self.r.readline()
                    break
                data += await self.r.readexactly(size)
                await self.r.readline()
        else:
            data = await self.r.readexactly(length) if length else b""
        return status, data

    def close(self):
        if self.w is not None:
            self.w.close()
            self.w = None


# ---------------------------------------------------------------- sign-in (blocking, once)
def login(port, email, password):
    c = http.client.HTTPConnection(HOST, port)
    c.request("GET", "/login")
    r = c.getresponse()
    page = r.read().decode()
    cookies = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            cookies[name] = rest.split(";")[0]
    token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"\s+name="csrf_token"', page)
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token.group(1)})
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    c.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse()
    r.read()
    assert r.status == 303, f"login answered {r.status}"
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            cookies[name] = rest.split(";")[0]
    session = {k: v for k, v in cookies.items() if k.endswith("hp_session")}
    cookie = "; ".join(f"{k}={v}" for k, v in session.items())
    c.request("GET", "/", headers={"Cookie": cookie})
    r = c.getresponse()
    page = r.read().decode()
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return cookie, csrf


async def create_pause(conn, key):
    body = json.dumps({"action": "send_invoice", "context": CONTEXT}).encode()
    st, data = await conn.request("POST", "/api/pause", {
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"}, body)
    if st != 201:
        raise RuntimeError(f"create answered {st}: {data[:200]!r}")
    return json.loads(data)["watchId"]


# ---------------------------------------------------------------- scenario 3 (and 4's trials)
async def trials(port, key, cookie, csrf, n, settle):
    """Agent long-polls; a human approves; delta = agent's response - approve's response."""
    conn = Conn(port)
    human = Conn(port)
    deltas, from_request, errors = [], [], 0
    for _ in range(n):
        try:
            wid = await create_pause(conn, key)
            agent = Conn(port)
            await agent.open()
            t_agent = {}

            async def poll():
                st, data = await agent.request("GET", f"/api/pause/{wid}?wait=30",
                                               {"Authorization": f"Bearer {key}"})
                t_agent["t"] = time.perf_counter()
                return st, data

            task = asyncio.create_task(poll())
            await asyncio.sleep(settle)  # let the long-poll register before deciding
            t0 = time.perf_counter()
            st, data = await human.request("POST", f"/api/pause/{wid}/approve", {
                "Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"},
                b'{"approved":true}')
            t1 = time.perf_counter()
            ast, adata = await asyncio.wait_for(task, 35)
            agent.close()
            if st != 200 or ast != 200 or json.loads(adata)["status"] != "approved":
                errors += 1
                continue
            deltas.append((t_agent["t"] - t1) * 1000)
            from_request.append((t_agent["t"] - t0) * 1000)
        except Exception as e:  # noqa: BLE001 - a benchmark counts, it does not crash
            print(f"trial error: {e!r}", file=sys.stderr)
            errors += 1
    clamped = [max(0.0, d) for d in deltas]
    return {
        "trials": len(deltas), "errors": errors,
        "agent_before_decision_response": sum(1 for d in deltas if d < 0),
        "p50_ms": pct(clamped, 50), "p99_ms": pct(clamped, 99), "max_ms": max(clamped) if clamped else None,
        "from_request_p50_ms": pct(from_request, 50), "from_request_p99_ms": pct(from_request, 99),
    }


def cmd_decide(a):
    cookie, csrf = login(a.port, a.email, a.password)
    res = asyncio.run(trials(a.port, a.key, cookie, csrf, a.trials, a.settle))
    print(json.dumps(res))


# ---------------------------------------------------------------- scenario 4
def rss_mb(pid, field="VmRSS"):
    """VmRSS (all resident memory), RssAnon (private heap) or RssFile (mapped files) in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return None


async def hold_parked(port, pid, items, poll_once, measure):
    """Keeps one long-poll parked per item, each on its own connection, started 500 at a time;
    samples the server's RSS before and after `measure()` (the latency trials) while they wait,
    then cancels them. `poll_once(conn, item, memo)` makes one request and returns its status
    (`memo` is the item's own dict, e.g. for a cursor); anything but 200 stops that poller."""
    stop = asyncio.Event()
    stats = {"errors": 0, "polls": 0, "connected": 0}
    err_kinds = {}

    def failed(kind):
        stats["errors"] += 1
        err_kinds[kind] = err_kinds.get(kind, 0) + 1

    async def poller(item):
        c = Conn(port)
        memo = {}
        try:
            await c.open()
            stats["connected"] += 1
            while not stop.is_set():
                st = await poll_once(c, item, memo)
                stats["polls"] += 1
                if st != 200:
                    return failed(str(st))
        except asyncio.CancelledError:
            pass
        except Exception as e:  # noqa: BLE001 - a benchmark counts, it does not crash
            failed(type(e).__name__)
        finally:
            c.close()

    tasks = []
    for i in range(0, len(items), 500):
        tasks += [asyncio.create_task(poller(it)) for it in items[i:i + 500]]
        await asyncio.sleep(0.05)
    await asyncio.sleep(3)
    rss_peak = rss_mb(pid)
    res = await measure()
    rss_peak = max(rss_peak, rss_mb(pid))
    anon, file = rss_mb(pid, "RssAnon"), rss_mb(pid, "RssFile")
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"connected": stats["connected"], "errors": stats["errors"], "error_kinds": err_kinds,
            "polls": stats["polls"], "rss_mb": rss_peak, "rss_anon_mb": anon, "rss_file_mb": file,
            "trial": res}


async def waiters_main(a):
    cookie, csrf = login(a.port, a.email, a.password)
    # One pause per waiter, created over HTTP by 32 connections.
    ids = []
    async def creator(k):
        c = Conn(a.port)
        while len(ids) < a.waiters:
            ids.append(await create_pause(c, a.key))
        c.close()
    t = time.perf_counter()
    await asyncio.gather(*(creator(i) for i in range(32)))
    ids = ids[:a.waiters]
    print(f"created {len(ids)} pauses in {time.perf_counter() - t:.1f}s", file=sys.stderr)

    auth = {"Authorization": f"Bearer {a.key}"}

    async def poll_once(c, wid, _memo):
        st, _ = await c.request("GET", f"/api/pause/{wid}?wait=30", auth)
        return st

    held = await hold_parked(a.port, a.pid, ids, poll_once,
                             lambda: trials(a.port, a.key, cookie, csrf, a.trials, a.settle))
    return {"waiters": len(ids), "waiter_errors": held.pop("errors"), **held}


def cmd_waiters(a):
    print(json.dumps(asyncio.run(waiters_main(a))))


# ---------------------------------------------------------------- scenario 8: parked agents
async def agents_main(a):
    """10,000 agents park on their checkpoint (`control?wait=30`) while the workspace's emergency
    stop holds them; meanwhile probes measure guidance (human) → parked agent (answer)."""
    cookie, csrf = login(a.port, a.email, a.password)
    auth = {"Authorization": f"Bearer {a.key}", "Content-Type": "application/json"}
    human_h = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
    beat = json.dumps({"state": "acting", "tool": "bench", "progress": 50}).encode()
    names = [f"bot-{i}" for i in range(a.agents)]
    todo = list(names)

    async def reporter():
        c = Conn(a.port)
        while todo:
            name = todo.pop()
            st, data = await c.request("POST", f"/api/agents/{name}/heartbeat", auth, beat)
            if st != 200:
                raise RuntimeError(f"heartbeat answered {st}: {data[:200]!r}")
        c.close()
    t = time.perf_counter()
    await asyncio.gather(*(reporter() for _ in range(32)))
    print(f"{len(names)} agents reported in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    human = Conn(a.port)
    st, data = await human.request("POST", "/api/agents/stop-all", human_h, b"{}")
    if st != 200:
        raise RuntimeError(f"stop-all answered {st}: {data[:200]!r}")
    human.close()

    async def poll_once(c, name, memo):
        cursor = memo.get("cursor")
        q = f"?wait=30&after={urllib.parse.quote(cursor)}" if cursor else "?wait=30"
        st, data = await c.request("GET", f"/api/agents/{name}/control{q}", auth)
        if st == 200:
            memo["cursor"] = json.loads(data).get("cursor") or cursor
        return st

    held = await hold_parked(a.port, a.pid, names, poll_once,
                             lambda: guidance_trials(a.port, auth, human_h, a.trials, a.settle))
    return {"agents": len(names), "agent_errors": held.pop("errors"), **held}


async def guidance_trials(port, auth, human_h, n, settle):
    """A probe agent parks on its checkpoint; a human guides it; delta = the agent's answer -
    the guide request's answer (clamped at 0), as in scenario 3."""
    deltas, from_request, errors = [], [], 0
    human = Conn(port)
    for i in range(n):
        try:
            name = f"probe-{i}"
            probe = Conn(port)
            st, data = await probe.request("POST", f"/api/agents/{name}/heartbeat", auth, b"{}")
            cursor = json.loads(data)["cursor"]
            t_agent = {}

            async def park():
                st, data = await probe.request(
                    "GET", f"/api/agents/{name}/control?wait=30&after={urllib.parse.quote(cursor)}", auth)
                t_agent["t"] = time.perf_counter()
                return st, data

            task = asyncio.create_task(park())
            await asyncio.sleep(settle)
            t0 = time.perf_counter()
            st, _ = await human.request("POST", f"/api/agents/{name}/guide", human_h,
                                        b'{"message":"bench guidance"}')
            t1 = time.perf_counter()
            ast, adata = await asyncio.wait_for(task, 35)
            probe.close()
            if st != 200 or ast != 200 or len(json.loads(adata)["guidance"]) != 1:
                errors += 1
                continue
            deltas.append((t_agent["t"] - t1) * 1000)
            from_request.append((t_agent["t"] - t0) * 1000)
        except Exception as e:  # noqa: BLE001
            print(f"trial error: {e!r}", file=sys.stderr)
            errors += 1
            human.close()
            human = Conn(port)
    clamped = [max(0.0, d) for d in deltas]
    return {"trials": len(deltas), "errors": errors,
            "p50_ms": pct(clamped, 50), "p99_ms": pct(clamped, 99),
            "from_request_p50_ms": pct(from_request, 50), "from_request_p99_ms": pct(from_request, 99)}


def cmd_agents(a):
    print(json.dumps(asyncio.run(agents_main(a))))


# ---------------------------------------------------------------- bulk load for scenarios 2, 5, 6
def uuid7_bytes(ms):
    rnd = bytearray(os.urandom(10))
    rnd[0] = (rnd[0] & 0x0F) | 0x70           # version 7
    rnd[2] = (rnd[2] & 0x3F) | 0x80           # variant
    return ms.to_bytes(6, "big") + bytes(rnd)


def uuid_text(b):
    h = b.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def cmd_bulk(a):
    """Rows shaped as src/domain/pauses.rs `create` and `decide` write them (pauses + audit_log,
    and the expiry timer of each pending pause).

    The newest `pending` pauses stay pending (expiring in 24 h, one audit row each); all older
    ones are approved (created + approved audit rows, as the dashboard writes them).
    Outbox rows and decision links (one per pause and active user) are NOT bulk-written.
    """
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    key_id = db.execute("SELECT id FROM api_keys ORDER BY id LIMIT 1").fetchone()[0]
    user_id = db.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
    now = int(time.time() * 1000)
    start = now - 30 * 86400 * 1000
    step = (now - 3_600_000 - start) // a.count
    ids_out = open(a.ids, "w")
    months = {}
    batch_p, batch_a, batch_t = [], [], []
    next_id = (db.execute("SELECT coalesce(max(id),0) FROM pauses").fetchone()[0]) + 1
    details = json.dumps({"reason": None, "via": "dashboard"}, separators=(",", ":"))

    def flush():
        db.executemany(
            "INSERT INTO pauses (id, watch_id, workspace_id, api_key_id, is_test, status, action, context,"
            " metadata, callback_url, created_at, expires_at, decided_at, decided_by, reason, version)"
            " VALUES (?,?,1,?,0,?,'send_invoice',?,NULL,NULL,?,?,?,?,NULL,?)", batch_p)
        db.executemany(
            "INSERT INTO audit_log (workspace_id, at, actor_type, actor_id, event, subject, details)"
            " VALUES (1,?,?,?,?,?,?)", batch_a)
        db.executemany(
            "INSERT INTO pause_timers (pause_id, kind, due_at) VALUES (?,'expiry',?)", batch_t)
        batch_p.clear()
        batch_a.clear()
        batch_t.clear()

    db.execute("BEGIN")
    for i in range(a.count):
        created = start + i * step
        wb = uuid7_bytes(created)
        wt = uuid_text(wb)
        if i % 10 == 0:
            ids_out.write(wt + "\n")
        pending = i >= a.count - a.pending
        if pending:
            batch_p.append((next_id + i, wb, key_id, "pending", CONTEXT_JSON, created,
                            created + 86400 * 1000, None, None, 1))
            batch_a.append((created, "key", key_id, "pause.created", wt, None))
            batch_t.append((next_id + i, created + 86400 * 1000))
        else:
            decided = created + 20_000
            batch_p.append((next_id + i, wb, key_id, "approved", CONTEXT_JSON, created,
                            created + 900_000, decided, user_id, 2))
            batch_a.append((created, "key", key_id, "pause.created", wt, None))
            batch_a.append((decided, "user", user_id, "pause.approved", wt, details))
        m = time.strftime("%Y-%m", time.gmtime(created / 1000))
        months[m] = months.get(m, 0) + 1
        if len(batch_p) >= 20000:
            flush()
    flush()
    for m, n in months.items():
        db.execute("INSERT INTO usage_counters (workspace_id, month, pauses) VALUES (1, ?, ?)"
                   " ON CONFLICT (workspace_id, month) DO UPDATE SET pauses = pauses + excluded.pauses", (m, n))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    ids_out.close()
    print(json.dumps({"inserted": a.count, "pending": a.pending}))


def cmd_emails(a):
    """Turns every user's approval emails on or off (the server reads it at each create)."""
    con = sqlite3.connect(a.db, timeout=10)
    con.execute("UPDATE users SET email_notifications = ?", (1 if a.on else 0,))
    con.commit()
    con.close()


def cmd_dbsize(a):
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    n = db.execute("SELECT count(*) FROM pauses").fetchone()[0]
    tables = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("pauses", "audit_log", "outbox", "decision_links")}
    db.close()
    print(json.dumps({"bytes": pages * size, "free_bytes": free * size, "pauses": n, "rows": tables}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("decide", "waiters", "agents"):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, required=True)
        s.add_argument("--key", required=True)
        s.add_argument("--email", default="b@x.io")
        s.add_argument("--password", default="password123")
        s.add_argument("--trials", type=int, default=200)
        s.add_argument("--settle", type=float, default=0.05)
        if name == "waiters":
            s.add_argument("--waiters", type=int, default=10000)
        if name in ("waiters", "agents"):
            s.add_argument("--pid", type=int, required=True)
        if name == "agents":
            s.add_argument("--agents", type=int, default=10000)
    s = sub.add_parser("bulk")
    s.add_argument("--db", required=True)
    s.add_argument("--count", type=int, default=1_000_000)
    s.add_argument("--pending", type=int, default=1000)
    s.add_argument("--ids", required=True)
    s = sub.add_parser("dbsize")
    s.add_argument("--db", required=True)
    s = sub.add_parser("emails")
    s.add_argument("--db", required=True)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--on", action="store_true")
    g.add_argument("--off", action="store_true")
    a = p.parse_args()
    {"decide": cmd_decide, "waiters": cmd_waiters, "agents": cmd_agents, "bulk": cmd_bulk, "dbsize": cmd_dbsize,
     "emails": cmd_emails}[a.cmd](a)


if __name__ == "__main__":
    main()
