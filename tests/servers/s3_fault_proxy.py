#!/usr/bin/env python3
"""s3_fault_proxy.py: a fault-injecting HTTP/1.1 reverse proxy for S3 tests.

Why: the S3 storage backend has to survive throttling (503 SlowDown), 5xx
errors, slow servers, hung connections, connections reset in the middle of
an upload or a download, and objects that vanish. A real S3 server (moto,
radosgw, MinIO) never does those things on demand, so tests put this proxy
between strata and the server and tell it, through a control file, which
requests to break and how.

Requests are forwarded byte for byte: the request line (method and path+query
exactly as received, never re-encoded), every header including Host, and the
body (Content-Length or chunked framing relayed as is). SigV4 signatures made
by the client still verify upstream: the client signs the Host it sends (the
proxy's 127.0.0.1:PORT) and the upstream checks the signature over the Host it
receives, the same one (use path-style addressing). Responses come back
verbatim too. "Expect: 100-continue" is answered by the proxy itself (100
Continue, then the body is read); the Expect header is still forwarded, since
it may be signed, and the body is sent upstream right away, as RFC 9110
allows; an interim 100 from upstream is swallowed. Each client request uses a fresh upstream connection; client
connections are kept alive.

Usage:
  python3 s3_fault_proxy.py --listen-port 0 --port-file PORTFILE \
      --upstream http://127.0.0.1:9000 --control-file faults.json \
      [--stats-file stats.json] [--timeout SECONDS]

  Listens on 127.0.0.1 only. --listen-port 0 picks a free port; it is written
  (atomically) to --port-file once the proxy accepts connections, so a test
  waits for that file. Stop the proxy by its PID (SIGTERM).

Control file (JSON; re-read on every request; absent, empty or "[]" means no
faults; replace it atomically, write a temp file and rename it over):
  either a list of rules or {"rules": [rule, ...]}. A rule:
    "kind":       delay | status | cut_request | cut_response | drop | missing
    "methods":    ["PUT", ...]    optional, default any method
    "path_regex": "..."           optional, re.search on the raw request target
                                  (path + "?" + query as received)
    "count":      N               optional: apply at most N times, then never
    "skip":       N               optional: let the first N matching requests
                                  through untouched (count starts after them)
    "probability": p              optional, 0..1, default 1
  kinds:
    {"kind":"delay","ms":500}     sleep before handling the request further
    {"kind":"status","status":503,"body":"<Error>...</Error>",
     "headers":{"Retry-After":"1"}}
                                  answer without contacting upstream, after
                                  consuming the request body; body optional
                                  (default: an S3 error XML for the status)
    {"kind":"cut_request","after_bytes":N}
                                  read N bytes of the request body (as framed
                                  on the wire), then reset the client
                                  connection (RST); nothing goes upstream; a
                                  shorter (or no) body is read whole, then RST
    {"kind":"cut_response","after_bytes":N}
                                  forward the request, send the client the
                                  response status line, headers and N bytes
                                  of the body (as framed), then reset (also
                                  when the body is shorter)
    {"kind":"drop","ms":30000}    read the request head, never answer, close
                                  after ms (default 60000)
    {"kind":"missing"}            404 NoSuchKey for GET and HEAD (other methods
                                  never match this rule)
  Rules are checked in order. Every matching delay rule sleeps (they add up);
  the first matching rule of any other kind is applied and the rest ignored.
  count/skip counters live in memory, per rule index, and are reset whenever
  the control file changes (content, inode or mtime).

Stats file (--stats-file, rewritten atomically when a request's fault is
decided and again when it ends):
  {"requests": n, "faults": {"status": n, ...}, "statuses": {"200": n, ...}}
  "requests" counts request heads received; "faults" counts applied faults by
  kind (delay included); "statuses" counts statuses sent to clients.

One line per request goes to stderr: method, target, faults, status, bytes.
Python 3 standard library only.
"""

import argparse
import json
import os
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http import HTTPStatus

MAX_HEAD = 64 * 1024
BUF = 64 * 1024
KINDS = ("delay", "status", "cut_request", "cut_response", "drop", "missing")


class ClientGone(Exception):
    """The client closed or broke its connection."""


class Cut(Exception):
    """A relay reached the byte limit of a cut_* fault."""


class BadRequest(Exception):
    pass


# ---------------------------------------------------------------- state

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.control_key = None
        self.rules = []
        self.matched = []  # per rule index: matching requests seen (for skip)
        self.applied = []  # per rule index: times applied (for count)
        self.requests = 0
        self.faults = {}
        self.statuses = {}
        self.stats_lock = threading.Lock()

    def load_rules(self):
        """Re-reads the control file; resets counters when it changed."""
        path = self.args.control_file
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
            key = (st.st_ino, st.st_mtime_ns, data)
        except FileNotFoundError:
            data, key = b"", None
        if key == self.control_key:
            return
        self.control_key = key
        rules = []
        if data.strip():
            try:
                doc = json.loads(data)
                rules = doc.get("rules", []) if isinstance(doc, dict) else doc
                if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
                    raise ValueError("expected a list of rule objects")
                for r in rules:
                    if r.get("kind") not in KINDS:
                        raise ValueError(f"unknown kind {r.get('kind')!r}")
                    re.compile(r.get("path_regex") or "")
                    for k in ("count", "skip", "ms", "after_bytes", "status"):
                        if k in r:
                            int(r[k]) if k != "ms" else float(r[k])
                    if "probability" in r:
                        float(r["probability"])
            except (ValueError, TypeError, re.error) as e:
                log(f"control file {path}: {e}; no faults")
                rules = []
        self.rules = rules
        self.matched = [0] * len(rules)
        self.applied = [0] * len(rules)

    def decide(self, method, target):
        """Returns (delay rules, fault rule or None) for this request."""
        with self.lock:
            self.load_rules()
            delays, fault = [], None
            for i, r in enumerate(self.rules):
                kind = r.get("kind")
                methods = r.get("methods")
                if isinstance(methods, str):
                    methods = [methods]
                if methods and method.upper() not in [m.upper() for m in methods]:
                    continue
                if kind == "missing" and method not in ("GET", "HEAD"):
                    continue
                rx = r.get("path_regex")
                if rx and not re.search(rx, target):
                    continue
                count = r.get("count")
                if count is not None and self.applied[i] >= int(count):
                    continue
                self.matched[i] += 1
                if self.matched[i] <= int(r.get("skip", 0)):
                    continue
                p = r.get("probability")
                if p is not None and random.random() >= float(p):
                    continue
                self.applied[i] += 1
                if kind == "delay":
                    delays.append(r)
                    continue
                fault = r
                break
            return delays, fault

    def count_request(self, kinds):
        with self.stats_lock:
            self.requests += 1
            for k in kinds:
                self.faults[k] = self.faults.get(k, 0) + 1
            self.write_stats()

    def count_status(self, status):
        with self.stats_lock:
            if status is not None:
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            self.write_stats()

    def write_stats(self):
        path = self.args.stats_file
        if not path:
            return
        doc = {"requests": self.requests, "faults": dict(self.faults),
               "statuses": dict(self.statuses)}
        write_atomic(path, json.dumps(doc, sort_keys=True) + "\n")


def write_atomic(path, text):
    tmp = f"{path}.tmp.{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def log(msg):
    sys.stderr.write(f"s3_fault_proxy {time.strftime('%H:%M:%S')} {msg}\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- HTTP parsing

def read_head(rfile, first_line_may_be_eof=True):
    """Reads a message head. Returns (raw bytes, start line, [(lname, value)])
    or None on EOF before any byte."""
    raw = bytearray()
    lines = []
    while True:
        line = rfile.readline(MAX_HEAD + 1)
        if not line:
            if not raw and first_line_may_be_eof:
                return None
            raise ClientGone("EOF in message head")
        if not raw and line in (b"\r\n", b"\n"):
            continue  # RFC 9112: ignore empty lines before a request line
        raw += line
        if len(raw) > MAX_HEAD:
            raise BadRequest("message head too large")
        if line in (b"\r\n", b"\n"):
            break
        lines.append(line.rstrip(b"\r\n"))
    start = lines[0].decode("latin-1")
    headers = []
    for l in lines[1:]:
        if l[:1] in (b" ", b"\t") and headers:  # obs-fold
            name, value = headers[-1]
            headers[-1] = (name, value + " " + l.strip().decode("latin-1"))
            continue
        name, sep, value = l.partition(b":")
        if not sep:
            raise BadRequest(f"bad header line {l[:80]!r}")
        headers.append((name.strip().decode("latin-1").lower(), value.strip().decode("latin-1")))
    return bytes(raw), start, headers


def header(headers, name):
    vals = [v for n, v in headers if n == name]
    return ", ".join(vals) if vals else None


def tokens(value):
    return [t.strip().lower() for t in (value or "").split(",") if t.strip()]


def body_framing(headers):
    """('chunked', None) | ('length', n) | ('none', 0) for a request."""
    te = header(headers, "transfer-encoding")
    if te is not None:
        if tokens(te)[-1:] == ["chunked"]:
            return "chunked", None
        raise BadRequest("unsupported transfer-encoding " + te)
    cl = header(headers, "content-length")
    if cl is not None:
        vals = {v.strip() for v in cl.split(",")}
        if len(vals) != 1 or not next(iter(vals)).isdigit():
            raise BadRequest("bad content-length " + cl)
        return "length", int(next(iter(vals)))
    return "none", 0


class Sink:
    """Receives relayed body bytes; raises Cut after `limit` bytes."""

    def __init__(self, write, limit=None):
        self.write = write  # callable(bytes) or None to discard
        self.limit = limit
        self.n = 0

    def put(self, data):
        if self.limit is not None and self.n + len(data) >= self.limit:
            data = data[: self.limit - self.n]
            self.emit(data)
            raise Cut()
        self.emit(data)

    def emit(self, data):
        self.n += len(data)
        if self.write and data:
            self.write(data)


def relay_body(rfile, kind, length, sink, eof_error=ClientGone):
    """Copies one body, framing included, from rfile to sink."""
    if kind == "none" or (kind == "length" and length == 0):
        if sink.limit == 0:
            raise Cut()
        return
    if kind == "length":
        left = length
        while left:
            data = rfile.read1(min(left, BUF))
            if not data:
                raise eof_error("EOF in body")
            left -= len(data)
            sink.put(data)
        return
    if kind == "eof":
        while True:
            data = rfile.read1(BUF)
            if not data:
                return
            sink.put(data)
    # chunked
    while True:
        line = rfile.readline(4096)
        if not line.endswith(b"\n"):
            raise eof_error("EOF or garbage in chunk size line")
        sink.put(line)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest("bad chunk size line")
        if size == 0:
            while True:  # trailers, then the empty line
                line = rfile.readline(MAX_HEAD)
                if not line.endswith(b"\n"):
                    raise eof_error("EOF in chunked trailer")
                sink.put(line)
                if line in (b"\r\n", b"\n"):
                    return
        left = size + 2  # data and its CRLF
        while left:
            data = rfile.read1(min(left, BUF))
            if not data:
                raise eof_error("EOF in chunk")
            left -= len(data)
            sink.put(data)


def s3_error_xml(code, message, resource, request_id):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{esc(code)}</Code><Message>{esc(message)}</Message>"
            f"<Resource>{esc(resource)}</Resource><RequestId>{request_id}</RequestId></Error>")


DEFAULT_ERRORS = {
    400: ("BadRequest", "Bad Request"),
    403: ("AccessDenied", "Access Denied"),
    404: ("NoSuchKey", "The specified key does not exist."),
    409: ("OperationAborted", "A conflicting conditional operation is currently in progress."),
    429: ("SlowDown", "Please reduce your request rate."),
    500: ("InternalError", "We encountered an internal error. Please try again."),
    501: ("NotImplemented", "A header you provided implies functionality that is not implemented."),
    502: ("BadGateway", "Bad Gateway"),
    503: ("SlowDown", "Please reduce your request rate."),
    504: ("GatewayTimeout", "Gateway Timeout"),
}


# ---------------------------------------------------------------- handler

class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.sock = self.request
        self.sock.settimeout(self.server.state.args.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb", buffering=BUF)
        self.reset_done = False

    def finish(self):
        if not self.reset_done:
            try:
                self.rfile.close()
            except OSError:
                pass

    def handle(self):
        try:
            while self.one_request():
                pass
        except (ClientGone, BadRequest, OSError):
            pass

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ClientGone(str(e))

    def reset(self):
        """Closes the client connection abruptly (RST)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()
        except OSError:
            pass
        self.sock.close()
        self.reset_done = True

    def send_simple(self, status, body, method, keep, extra=()):
        """A response made here (fault or proxy error)."""
        body = body.encode() if isinstance(body, str) else body
        no_body = method == "HEAD" or status in (204, 304) or status < 200
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}",
                 f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}",
                 "Server: s3_fault_proxy",
                 f"x-amz-request-id: {uuid.uuid4().hex[:16].upper()}"]
        if status not in (204, 304) and status >= 200:
            lines.append("Content-Type: application/xml")
            lines.append(f"Content-Length: {len(body)}")
        for k, v in extra:
            lines.append(f"{k}: {v}")
        if not keep:
            lines.append("Connection: close")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if no_body else body))

    def one_request(self):
        """Handles one request; returns True to keep the connection."""
        state = self.server.state
        try:
            head = read_head(self.rfile)
        except BadRequest as e:
            self.send_simple(400, s3_error_xml("BadRequest", str(e), "", "0"), "GET", False)
            return False
        if head is None:
            return False
        raw_head, start, headers = head
        t0 = time.monotonic()
        parts = start.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.send_simple(400, s3_error_xml("BadRequest", "bad request line", "", "0"), "GET", False)
            return False
        method, target, version = parts
        conn_tokens = tokens(header(headers, "connection"))
        keep = ("close" not in conn_tokens) and (version == "HTTP/1.1" or "keep-alive" in conn_tokens)
        expect_continue = version == "HTTP/1.1" and "100-continue" in tokens(header(headers, "expect"))
        info = {"fault": "-", "status": None, "in": 0, "out": 0}

        delays, fault = state.decide(method, target)
        kinds = [d.get("kind") for d in delays] + ([fault["kind"]] if fault else [])
        state.count_request(kinds)
        descr = []
        for d in delays:
            descr.append(f"delay({d.get('ms', 0)}ms)")
        if fault:
            args = ",".join(f"{k}={v}" for k, v in fault.items()
                            if k in ("status", "after_bytes", "ms"))
            descr.append(f"{fault['kind']}({args})")
        info["fault"] = "+".join(descr) or "-"

        try:
            try:
                framing = body_framing(headers)
            except BadRequest as e:
                self.send_simple(400, s3_error_xml("BadRequest", str(e), target, "0"), method, False)
                info["status"] = 400
                return False
            for d in delays:
                time.sleep(float(d.get("ms", 0)) / 1000.0)
            kind = fault.get("kind") if fault else None
            if kind is None:
                return self.forward(raw_head, method, headers, framing, keep, expect_continue, None, info)
            if kind == "cut_response":
                self.forward(raw_head, method, headers, framing, keep, expect_continue,
                             int(fault.get("after_bytes", 0)), info)
                return False
            if kind == "drop":
                time.sleep(float(fault.get("ms", 60000)) / 1000.0)
                return False
            if kind == "cut_request":
                if expect_continue:
                    self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                sink = Sink(None, int(fault.get("after_bytes", 0)))
                try:
                    relay_body(self.rfile, framing[0], framing[1], sink)
                except Cut:
                    pass
                info["in"] = sink.n
                self.reset()
                return False
            # status / missing: consume the body, answer here
            if expect_continue:
                self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            sink = Sink(None)
            relay_body(self.rfile, framing[0], framing[1], sink)
            info["in"] = sink.n
            rid = uuid.uuid4().hex[:16].upper()
            resource = urllib.parse.urlsplit(target).path
            if kind == "missing":
                status = 404
                body = s3_error_xml("NoSuchKey", "The specified key does not exist.", resource, rid)
                extra = []
            elif kind == "status":
                status = int(fault.get("status", 503))
                code, msg = DEFAULT_ERRORS.get(status, (HTTPStatus(status).phrase.replace(" ", "")
                                                        if status in HTTPStatus._value2member_map_
                                                        else "Error", "Injected error"))
                body = fault.get("body")
                if body is None:
                    body = s3_error_xml(code, msg, resource, rid)
                extra = list((fault.get("headers") or {}).items())
            else:
                log(f"control file: unknown fault kind {kind!r}; forwarding")
                return self.forward(raw_head, method, headers, framing, keep, expect_continue, None, info)
            self.send_simple(status, body, method, keep, extra)
            info["status"] = status
            return keep
        finally:
            state.count_status(info["status"])
            ms = (time.monotonic() - t0) * 1000
            log(f"{method} {target} fault={info['fault']} status={info['status'] or '-'} "
                f"in={info['in']} out={info['out']} {ms:.0f}ms")

    def forward(self, raw_head, method, headers, framing, keep, expect_continue, cut_after, info):
        """Sends the request upstream and the response back. Returns True to
        keep the client connection."""
        args = self.server.state.args
        try:
            up = socket.create_connection(self.server.upstream, timeout=args.timeout)
        except OSError as e:
            if expect_continue:
                self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            relay_body(self.rfile, framing[0], framing[1], Sink(None))
            self.send_simple(502, s3_error_xml("BadGateway", f"upstream: {e}", "", "0"), method, False)
            info["status"] = 502
            return False
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        urfile = up.makefile("rb", buffering=BUF)
        try:
            upstream_broken = None

            def to_up(data):
                nonlocal upstream_broken
                if upstream_broken is None:
                    try:
                        up.sendall(data)
                    except OSError as e:
                        upstream_broken = e  # keep reading the client body; response may still come

            to_up(raw_head)
            if framing[0] != "none" and framing[1] != 0:
                if expect_continue:
                    self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                sink = Sink(to_up)
                relay_body(self.rfile, framing[0], framing[1], sink)
                info["in"] = sink.n

            # response: skip/forward interim 1xx, then the final head
            while True:
                try:
                    head = read_head(urfile, first_line_may_be_eof=False)
                except (ClientGone, OSError, BadRequest) as e:
                    why = upstream_broken or e
                    self.send_simple(502, s3_error_xml("BadGateway", f"upstream: {why}", "", "0"),
                                     method, False)
                    info["status"] = 502
                    return False
                raw, start, rheaders = head
                sp = start.split(" ", 2)
                try:
                    status = int(sp[1])
                except (IndexError, ValueError):
                    self.send_simple(502, s3_error_xml("BadGateway", "bad upstream status line", "", "0"),
                                     method, False)
                    info["status"] = 502
                    return False
                if 100 <= status < 200 and status != 101:
                    if status != 100:
                        self.send(raw)
                    continue
                break
            info["status"] = status

            # response body framing
            rconn = tokens(header(rheaders, "connection"))
            if method == "HEAD" or status in (204, 304) or status == 101:
                rkind, rlen = "none", 0
            else:
                te = header(rheaders, "transfer-encoding")
                cl = header(rheaders, "content-length")
                if te is not None and tokens(te)[-1:] == ["chunked"]:
                    rkind, rlen = "chunked", None
                elif te is not None:
                    rkind, rlen = "eof", None
                elif cl is not None and cl.strip().isdigit():
                    rkind, rlen = "length", int(cl.strip())
                else:
                    rkind, rlen = "eof", None
            self.send(raw)
            sink = Sink(self.send, cut_after)
            try:
                relay_body(urfile, rkind, rlen, sink, eof_error=ConnectionError)
            except Cut:
                info["out"] = sink.n
                self.reset()
                return False
            except (ConnectionError, socket.timeout, BadRequest) as e:
                # upstream broke mid-body: pass the breakage on
                info["out"] = sink.n
                log(f"upstream broke mid-response: {e}")
                self.reset()
                return False
            info["out"] = sink.n
            if cut_after is not None:  # body shorter than after_bytes: cut anyway
                self.reset()
                return False
            if rkind == "eof" or "close" in rconn or upstream_broken is not None:
                return False
            return keep
        finally:
            try:
                urfile.close()
                up.close()
            except OSError:
                pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description="Fault-injecting HTTP/1.1 reverse proxy for S3 tests.")
    ap.add_argument("--listen-port", type=int, required=True, help="port on 127.0.0.1; 0 = any free port")
    ap.add_argument("--port-file", help="write the listening port here (atomically)")
    ap.add_argument("--upstream", required=True, help="http://HOST:PORT of the real S3 server")
    ap.add_argument("--control-file", required=True, help="JSON fault rules, re-read on every request")
    ap.add_argument("--stats-file", help="JSON counters, rewritten after every request")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="socket timeout in seconds, both sides (default 300)")
    args = ap.parse_args()

    u = urllib.parse.urlsplit(args.upstream)
    if u.scheme != "http" or not u.hostname:
        ap.error("--upstream must be http://HOST:PORT")
    server = Server(("127.0.0.1", args.listen_port), Handler)
    server.upstream = (u.hostname, u.port or 80)
    server.state = State(args)
    port = server.server_address[1]
    if args.stats_file:
        server.state.write_stats()
    if args.port_file:
        write_atomic(args.port_file, f"{port}\n")
    log(f"listening on 127.0.0.1:{port}, upstream {u.hostname}:{u.port or 80}, control {args.control_file}")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
