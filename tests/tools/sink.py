#!/usr/bin/python3
"""sink.py - SMTP/LMTP sink server: the "next hop" behind mailsift in tests.

    sink.py --port P --dir D [--lmtp] [--mode FILE] [--pidfile F] [--log F]

Listens on 127.0.0.1:P (threaded, one thread per connection), speaks ESMTP
(or LMTP with --lmtp) with PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES,
DSN, SMTPUTF8 and XFORWARD.  Each accepted message is stored as D/N.env
(JSON envelope) then D/N.eml (the message exactly as received, dot-unstuffed,
nothing added), both written to a temporary name and renamed, before the
final reply "250 2.0.0 Ok: queued as SN".  When N.eml exists, N.env does too.

--mode FILE is re-read at every command (missing file = normal); one
directive a line:
    normal               accept everything
    tempfail             451 4.3.0 at end of DATA, nothing stored
    reject               550 5.7.1 at end of DATA, nothing stored
    rcpt-reject:ADDR     550 5.1.1 for that RCPT only (repeatable)
    rcpt-tempfail:ADDR   450 4.2.0 for that RCPT only (repeatable)
    slow:SECONDS         sleep before storing and giving the final reply
    store-slow:SECONDS   store at once, then sleep before the final reply
                         (a next hop that committed and answers late)
    disconnect           close the connection at end of DATA, nothing stored
    store-disconnect     store, then close without a reply (duplicate on retry)
    greet-421            answer new connections with 421 and close

Prints nothing on stdout; unexpected errors go to stderr.
"""

import argparse
import json
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback

MAX_LINE = 1 << 25          # line sanity limit (82-spam-adversarial sends a 10 MB line)
HOSTNAME = "sink.test"


class Store:
    """Counter and atomic file writes shared by all connections."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.lock = threading.Lock()
        self.counter = 0
        self.conns = 0
        for name in os.listdir(directory):
            m = re.match(r"^(\d+)\.(eml|env)$", name)
            if m:
                self.counter = max(self.counter, int(m.group(1)))

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def next_conn(self):
        with self.lock:
            self.conns += 1
            return self.conns

    def _write(self, name, data):
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.dir, name))

    def save(self, n, env, message):
        self._write("%d.env" % n, json.dumps(env, indent=1, sort_keys=True).encode() + b"\n")
        self._write("%d.eml" % n, message)


class Log:
    """Optional transcript: one line per command and reply."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1, encoding="utf-8", errors="replace") if path else None
        self.lock = threading.Lock()

    def write(self, conn, direction, text):
        if self.f:
            with self.lock:
                self.f.write("%.3f %d %s %s\n" % (time.time(), conn, direction, text))


def read_mode(path):
    """Parse the mode file into a dict (empty = normal)."""
    mode = {}
    if not path:
        return mode
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return mode
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, val = line.partition(":")
        key, val = key.strip().lower(), val.strip()
        if key in ("rcpt-reject", "rcpt-tempfail"):
            mode.setdefault(key, set()).add(val.strip("<>").lower())
        elif key in ("slow", "store-slow"):
            try:
                mode[key] = float(val)
            except ValueError:
                pass
        else:
            mode[key] = val or True
    return mode


def xtext_decode(s):
    return re.sub(r"\+([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), s)


def parse_path(arg, keyword):
    """'FROM:<a@b> SIZE=1' -> ('a@b', {'SIZE': '1'}) or None on syntax error."""
    m = re.match(r"^\s*" + keyword + r"\s*:\s*(.*)$", arg, re.I)
    if not m:
        return None
    rest = m.group(1).strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        addr, rest = rest[1:end], rest[end + 1:]
    else:
        parts = rest.split(None, 1)
        if not parts:
            return None
        addr, rest = parts[0], parts[1] if len(parts) > 1 else ""
    params = {}
    for p in rest.split():
        k, eq, v = p.partition("=")
        params[k.upper()] = v if eq else True
    return addr, params


class Disconnect(Exception):
    pass


class Session:
    def __init__(self, sock, peer, server):
        self.sock = sock
        self.peer = peer
        self.opts = server.opts
        self.store = server.store
        self.log = server.log
        self.conn = self.store.next_conn()
        self.buf = bytearray()
        self.out = []
        self.helo = None
        self.proto = None
        self.txn_count = 0
        self.xforward = {}
        self.reset()

    def reset(self):
        self.mail_from = None
        self.mail_params = {}
        self.rcpts = []
        self.rejected = []

    # --- I/O: replies are queued and sent when we must wait for input,
    # so a pipelined group gets its replies in order, in one write.
    def reply(self, text):
        self.log.write(self.conn, ">", text)
        self.out.append(text.encode("utf-8", "replace") + b"\r\n")

    def flush(self):
        if self.out:
            data = b"".join(self.out)
            self.out = []
            self.sock.sendall(data)

    def readline(self):
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > MAX_LINE:
                raise Disconnect("line too long")
            start = len(self.buf)
            self.flush()
            chunk = self.sock.recv(262144)
            if not chunk:
                raise Disconnect("eof")
            self.buf += chunk

    def mode(self):
        return read_mode(self.opts.mode)

    # --- protocol
    def run(self):
        if "greet-421" in self.mode():
            self.reply("421 4.3.2 %s Service not available, closing channel" % HOSTNAME)
            self.flush()
            return
        self.reply("220 %s %s" % (HOSTNAME, "LMTP" if self.opts.lmtp else "ESMTP"))
        while True:
            raw = self.readline()
            line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
            self.log.write(self.conn, "<", line)
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            handler = getattr(self, "cmd_" + verb, None)
            if handler is None:
                self.reply("502 5.5.2 Error: command not recognized")
                continue
            if handler(arg) is False:
                self.flush()
                return

    def ehlo_reply(self, arg):
        self.helo = arg.strip()
        self.reset()
        self.xforward = {}
        size = "SIZE %d" % self.opts.max_size if self.opts.max_size else "SIZE"
        for ext in (HOSTNAME, "PIPELINING", size, "8BITMIME", "ENHANCEDSTATUSCODES",
                    "DSN", "SMTPUTF8"):
            self.reply("250-" + ext)
        self.reply("250 XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE")

    def cmd_EHLO(self, arg):
        if self.opts.lmtp:
            self.reply("500 5.5.1 Error: use LHLO in LMTP")
            return
        self.proto = "ESMTP"
        self.ehlo_reply(arg)

    def cmd_LHLO(self, arg):
        if not self.opts.lmtp:
            self.reply("502 5.5.2 Error: command not recognized")
            return
        self.proto = "LMTP"
        self.ehlo_reply(arg)

    def cmd_HELO(self, arg):
        if self.opts.lmtp:
            self.reply("500 5.5.1 Error: use LHLO in LMTP")
            return
        self.proto = "SMTP"
        self.helo = arg.strip()
        self.reset()
        self.xforward = {}
        self.reply("250 " + HOSTNAME)

    def cmd_XFORWARD(self, arg):
        if self.mail_from is not None:
            self.reply("503 5.5.1 Error: MAIL transaction in progress")
            return
        attrs = {}
        for item in arg.split():
            k, eq, v = item.partition("=")
            if not eq or k.upper() not in ("NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE"):
                self.reply("501 5.5.4 Bad XFORWARD attribute: %s" % item)
                return
            attrs[k.upper()] = xtext_decode(v)
        if not attrs:
            self.reply("501 5.5.4 Syntax: XFORWARD attribute=value...")
            return
        self.xforward.update(attrs)
        self.reply("250 2.0.0 Ok")

    def cmd_MAIL(self, arg):
        if self.mail_from is not None:
            self.reply("503 5.5.1 Error: nested MAIL command")
            return
        p = parse_path(arg, "FROM")
        if p is None:
            self.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
            return
        self.mail_from, self.mail_params = p
        self.reply("250 2.1.0 Ok")

    def cmd_RCPT(self, arg):
        if self.mail_from is None:
            self.reply("503 5.5.1 Error: need MAIL command")
            return
        p = parse_path(arg, "TO")
        if p is None:
            self.reply("501 5.5.4 Syntax: RCPT TO:<address>")
            return
        addr, params = p
        mode = self.mode()
        if addr.lower() in mode.get("rcpt-reject", ()):
            self.rejected.append({"addr": addr, "params": params, "reply": 550})
            self.reply("550 5.1.1 <%s>: sink: recipient rejected" % addr)
            return
        if addr.lower() in mode.get("rcpt-tempfail", ()):
            self.rejected.append({"addr": addr, "params": params, "reply": 450})
            self.reply("450 4.2.0 <%s>: sink: recipient deferred" % addr)
            return
        self.rcpts.append({"addr": addr, "params": params})
        self.reply("250 2.1.5 Ok")

    def final(self, text):
        """The end-of-DATA reply: once, or once per recipient in LMTP."""
        if self.opts.lmtp:
            for r in self.rcpts:
                self.reply(text.replace("{rcpt}", "<%s> " % r["addr"]))
        else:
            self.reply(text.replace("{rcpt}", ""))

    def cmd_DATA(self, arg):
        if self.mail_from is None:
            self.reply("503 5.5.1 Error: need MAIL command")
            return
        if not self.rcpts:
            self.reply("554 5.5.1 Error: no valid recipients")
            return
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        parts = []
        size = 0
        while True:
            line = self.readline()
            if line == b".\r\n" or line == b".\n":
                break
            if line[:1] == b".":
                line = line[1:]
            parts.append(line)
            size += len(line)
        message = b"".join(parts)
        mode = self.mode()
        if "disconnect" in mode:
            self.log.write(self.conn, "!", "disconnect (mode)")
            self.reset()
            return False
        if mode.get("slow"):
            time.sleep(mode["slow"])
        if "tempfail" in mode:
            self.final("451 4.3.0 {rcpt}sink: try later")
        elif "reject" in mode:
            self.final("550 5.7.1 {rcpt}sink: rejected")
        else:
            n = self.store.next_id()
            self.txn_count += 1
            env = {
                "id": "S%d" % n,
                "counter": n,
                "conn": self.conn,
                "txn": self.txn_count,
                "peer": "%s:%d" % self.peer[:2],
                "proto": self.proto,
                "helo": self.helo,
                "mail_from": self.mail_from,
                "mail_params": self.mail_params,
                "rcpts": self.rcpts,
                "rejected_rcpts": self.rejected,
                "xforward": self.xforward,
                "size": size,
                "time": time.time(),
            }
            self.store.save(n, env, message)
            if "store-disconnect" in mode:
                self.log.write(self.conn, "!", "disconnect after storing S%d (mode)" % n)
                self.reset()
                return False
            if mode.get("store-slow"):
                time.sleep(mode["store-slow"])
            self.final("250 2.0.0 {rcpt}Ok: queued as S%d" % n)
        self.reset()
        self.xforward = {}

    def cmd_RSET(self, arg):
        self.reset()
        self.xforward = {}
        self.reply("250 2.0.0 Ok")

    def cmd_NOOP(self, arg):
        self.reply("250 2.0.0 Ok")

    def cmd_VRFY(self, arg):
        self.reply("252 2.0.0 Cannot verify")

    def cmd_QUIT(self, arg):
        self.reply("221 2.0.0 Bye")
        return False


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(self.server.opts.timeout)
        sess = Session(sock, self.client_address, self.server)
        try:
            sess.run()
        except (Disconnect, OSError) as e:
            # client went away (or timed out) mid-session: nothing to do
            self.server.log.write(sess.conn, "!", "closed: %s" % e)
        except Exception:
            traceback.print_exc(file=sys.stderr)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512


def main():
    ap = argparse.ArgumentParser(description="SMTP/LMTP sink for tests")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True, help="where N.eml / N.env are stored")
    ap.add_argument("--lmtp", action="store_true", help="speak LMTP (LHLO, one reply per recipient)")
    ap.add_argument("--mode", help="behaviour file, re-read at every command")
    ap.add_argument("--pidfile")
    ap.add_argument("--log", help="append a transcript of every session here")
    ap.add_argument("--max-size", type=int, default=0, help="SIZE to advertise (0 = no number)")
    ap.add_argument("--timeout", type=float, default=300, help="idle timeout per connection (s)")
    opts = ap.parse_args()

    def on_term(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    server = Server(("127.0.0.1", opts.port), Handler)
    server.opts = opts
    server.store = Store(opts.dir)
    server.log = Log(opts.log)
    if opts.pidfile:
        with open(opts.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.replace(opts.pidfile + ".tmp", opts.pidfile)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        if opts.pidfile:
            try:
                os.unlink(opts.pidfile)
            except OSError:
                pass


if __name__ == "__main__":
    main()
