#!/usr/bin/env python3
"""klines-server.py — a Binance-compatible /api/v3/klines server for tests.

Serves the rows of a recorded klines response (FIXTURE) for one symbol and
interval, honouring startTime, endTime and limit like Binance does.  Listens
on 127.0.0.1 on a free port and prints the port on stdout.

--live         instead of FIXTURE, candles made up for any range up to now,
               the last one still open as on Binance; a candle open on the
               server's clock has volume 0.00123, so a test can tell it.
--skew MS      the server's clock is MS milliseconds behind ours (--live).
--cap N        at most N rows per reply, whatever limit asks.

--faults LIST  comma-separated faults for the next requests, one each, in
               order: 429 (with Retry-After: 1), 418 (Retry-After: 3600),
               500, drop (close the connection without a reply), garbage
               (200 with a broken body), empty (200, no body), 408, html (200 with an
               HTML maintenance page), 301 (redirect to /moved), hang
               (accept, read the request, never answer), ok.  A fault with a trailing
               '+' repeats for every later request.
--log FILE     append the query string of every request to FILE.
"""
import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ap = argparse.ArgumentParser()
ap.add_argument("fixture", nargs="?")
ap.add_argument("--live", action="store_true")
ap.add_argument("--skew", type=int, default=0)
ap.add_argument("--cap", type=int, default=1000)
ap.add_argument("--symbol", default="BTCUSDT")
ap.add_argument("--interval", default="1h")
ap.add_argument("--faults", default="")
ap.add_argument("--log")
opt = ap.parse_args()

ROWS = []
if not opt.live:
    with open(opt.fixture) as f:
        ROWS = json.load(f)
TF = {"1m": 60000, "5m": 300000, "15m": 900000, "30m": 1800000, "1h": 3600000,
      "4h": 14400000, "1d": 86400000}
faults = [x for x in opt.faults.split(",") if x]
lock = threading.Lock()


def live_rows(start, end, limit):
    """The candles opening from start to end, up to the one open now."""
    tf = TF[opt.interval]
    now = int(time.time() * 1000) - opt.skew
    t = -(-start // tf) * tf
    rows = []
    while t <= end and t <= now and len(rows) < limit:
        v = "0.00123000" if t + tf - 1 > now else "%.8f" % (10 + t % 7)
        p = "%.2f" % (100 + (t // tf) % 50)
        rows.append([t, p, p, p, p, v, t + tf - 1, "0", 1, "0", "0", "0"])
        t += tf
    return rows


def next_fault():
    with lock:
        if not faults:
            return "ok"
        f = faults[0]
        if f.endswith("+"):
            return f[:-1]
        return faults.pop(0)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        if opt.log:
            with lock, open(opt.log, "a") as f:
                f.write(u.query + "\n")
        fault = next_fault()
        if fault == "hang":
            time.sleep(3600)
            return
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("429", "418"):
            return self.reply(int(fault), {"code": -1003, "msg": "Too many requests."},
                              [("Retry-After", "1" if fault == "429" else "3600")])
        if fault in ("garbage", "empty"):
            body = b"[[1,2" if fault == "garbage" else b""
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if fault == "408":
            return self.reply(408, {"code": -1007, "msg": "Timeout."})
        if fault == "html":
            body = b"<!DOCTYPE html><html><body>Down for maintenance</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if fault == "301":
            return self.reply(301, {}, [("Location", "/moved" + self.path)])
        if fault == "500":
            return self.reply(500, {"code": -1000, "msg": "Internal error."})
        if u.path != "/api/v3/klines":
            return self.reply(404, {"code": -1, "msg": "Not found."})
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if q.get("symbol") != opt.symbol:
            return self.reply(400, {"code": -1121, "msg": "Invalid symbol."})
        if q.get("interval") != opt.interval:
            return self.reply(400, {"code": -1120, "msg": "Invalid interval."})
        start = int(q.get("startTime", 0))
        end = int(q.get("endTime", 2**62))
        limit = min(int(q.get("limit", 500)), 1000, opt.cap)
        if start > end:
            return self.reply(400, {"code": -1023, "msg": "Start time is greater than end time."})
        if opt.live:
            return self.reply(200, live_rows(start, end, limit))
        rows = [r for r in ROWS if start <= r[0] <= end]
        if "startTime" not in q:
            rows = rows[-limit:]
        self.reply(200, rows[:limit])


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
