#!/usr/bin/python3
"""loadgen.py - concurrent SMTP client for mailsift tests, and its counter.

Send mode:
    loadgen.py --port P --count N --concurrency C --out RESULTS.tsv
               [--host 127.0.0.1] [--from a@x.test] [--to user@example.test]...
               [--size BYTES] [--prefix TAG] [--timeout S] [--helo NAME]
               [--bind ADDR] [--verbose]

C worker threads share messages 1..N; each worker keeps one SMTP connection
open and reconnects after an error or a disconnect.  Message i carries
"Message-ID: <TAG-i@loadgen.test>", "X-Loadgen-Seq: i", "X-Loadgen-Tag: TAG"
and "Subject: loadgen TAG i".  RESULTS gets one line per message, sorted
by i:  i <TAB> code <TAB> reply text, where code is the final reply to the
message (end of DATA; or the MAIL/RCPT/DATA reply that stopped it) and 0
for a connection error or exception (text = the error).  Exit 0 when all
messages were tried, whatever the replies.

Count mode:
    loadgen.py --count-dir DIR [--prefix TAG] [--expect N]

Reads every message file under DIR (a sink directory: N.eml; a Maildir:
new/ and cur/; tmp/, dot files and *.env are skipped) and prints "seq count"
for each X-Loadgen-Seq found (only messages of TAG with --prefix).  With
--expect N, exits 1 unless seqs 1..N each occur exactly once and no other
seq occurs; the missing, duplicated and unexpected seqs go to stderr.
"""

import argparse
import collections
import email.utils
import os
import re
import smtplib
import socket
import sys
import threading
import time


def build_message(i, opts):
    """The bytes of message i (CRLF line ends)."""
    tag = opts.prefix
    head = [
        "Message-ID: <%s-%d@loadgen.test>" % (tag, i),
        "Date: %s" % email.utils.formatdate(localtime=False),
        "From: <%s>" % opts.sender,
        "To: %s" % ", ".join("<%s>" % r for r in opts.rcpts),
        "Subject: loadgen %s %d" % (tag, i),
        "X-Loadgen-Seq: %d" % i,
        "X-Loadgen-Tag: %s" % tag,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Load generator message %s number %d." % (tag, i),
        ".A line that starts with a dot (dot-stuffed on the wire).",
        "",
    ]
    msg = "\r\n".join(head) + "\r\n"
    # pad with ordinary text lines up to --size bytes
    n = 0
    while len(msg) < opts.size:
        line = "filler line %06d of message %d, the quick brown fox jumps over the lazy dog" % (n, i)
        room = opts.size - len(msg) - 2
        if room <= 0:
            break
        msg += line[:room] + "\r\n"
        n += 1
    return msg.encode("ascii")


def clean(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return re.sub(r"[\t\r\n]+", " ", str(text)).strip()


class Worker(threading.Thread):
    def __init__(self, opts, source, results):
        super().__init__(daemon=True)
        self.opts = opts
        self.source = source
        self.results = results
        self.conn = None

    def connect(self):
        o = self.opts
        kw = {"timeout": o.timeout}
        if o.bind:
            kw["source_address"] = (o.bind, 0)
        conn = smtplib.SMTP(o.host, o.port, local_hostname=o.helo, **kw)
        code, resp = conn.ehlo()
        if code != 250:
            code, resp = conn.helo()
            if code != 250:
                conn.close()
                raise smtplib.SMTPHeloError(code, resp)
        return conn

    def drop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = None

    def transaction(self, msg):
        """One MAIL/RCPT/DATA; returns (code, text).  self.stage tells how
        far it got, for the retry decision in send()."""
        conn = self.conn
        self.stage = "mail"
        code, resp = conn.mail(self.opts.sender)
        if code != 250:
            if code == 421:
                self.drop()
            else:
                conn.rset()
            return code, resp
        self.stage = "rcpt"
        accepted, last = 0, None
        for r in self.opts.rcpts:
            c, rr = conn.rcpt(r)
            if c in (250, 251):
                accepted += 1
            else:
                last = (c, rr)
                if c == 421:
                    self.drop()
                    return last
        if not accepted:
            conn.rset()
            return last
        self.stage = "data"
        try:
            code, resp = conn.data(msg)
        except smtplib.SMTPDataError as e:          # DATA itself refused
            if e.smtp_code == 421:
                self.drop()
            else:
                try:
                    conn.rset()
                except (smtplib.SMTPException, OSError):
                    self.drop()
            return e.smtp_code, e.smtp_error
        if code == 421:
            self.drop()
        return code, resp

    def send(self, i):
        msg = build_message(i, self.opts)
        for attempt in (1, 2):
            fresh = self.conn is None
            self.stage = "connect"
            try:
                if fresh:
                    self.conn = self.connect()
                code, text = self.transaction(msg)
            except smtplib.SMTPResponseException as e:
                self.drop()
                code, text = e.smtp_code, e.smtp_error
            except (smtplib.SMTPException, OSError) as e:
                self.drop()
                code, text = 0, "%s: %s" % (type(e).__name__, e)
            # A reused connection that the server closed while it was idle
            # fails at MAIL: nothing of this message was accepted, so one
            # retry on a new connection cannot create a duplicate.
            if (attempt == 1 and not fresh and self.stage == "mail"
                    and code in (0, 421)):
                self.drop()
                continue
            return code, text
        return code, text

    def run(self):
        while True:
            i = self.source()
            if i is None:
                break
            try:
                code, text = self.send(i)
            except Exception as e:                  # never lose a result line
                self.drop()
                code, text = 0, "%s: %s" % (type(e).__name__, e)
            self.results[i] = (code if code is not None else 0, clean(text))
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:
                pass
            self.drop()


def run_send(opts):
    lock = threading.Lock()
    counter = iter(range(1, opts.count + 1))

    def source():
        with lock:
            return next(counter, None)

    results = {}
    start = time.time()
    workers = [Worker(opts, source, results) for _ in range(max(1, opts.concurrency))]
    for w in workers:
        w.start()
    try:
        for w in workers:
            while w.is_alive():
                w.join(0.5)
    finally:
        tmp = opts.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            for i in sorted(results):
                code, text = results[i]
                f.write("%d\t%d\t%s\n" % (i, code, text))
        os.replace(tmp, opts.out)
    elapsed = time.time() - start
    if opts.verbose:
        codes = collections.Counter(c for c, _ in results.values())
        print("loadgen: %d messages in %.2f s (%.0f/s), codes: %s" % (
            len(results), elapsed, len(results) / elapsed if elapsed else 0,
            " ".join("%s=%d" % kv for kv in sorted(codes.items()))), file=sys.stderr)
    return 0


def message_files(top):
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "tmp" and not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.endswith((".env", ".tmp", ".mode", ".pid")):
                continue
            yield os.path.join(root, name)


def header_fields(path):
    """Unfolded header fields of a message file as {lowercase name: [values]}."""
    fields = collections.defaultdict(list)
    try:
        with open(path, "rb") as f:
            data = f.read(262144)
    except OSError:
        return fields
    end = re.search(rb"\r?\n\r?\n", data)
    head = data[:end.start()] if end else data
    cur = None
    for raw in re.split(rb"\r?\n", head):
        line = raw.decode("utf-8", "replace")
        if line[:1] in (" ", "\t") and cur is not None:
            fields[cur][-1] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            cur = None
            continue
        cur = name.strip().lower()
        fields[cur].append(value.strip())
    return fields


def run_count(opts):
    counts = collections.Counter()
    for path in message_files(opts.count_dir):
        h = header_fields(path)
        seqs = h.get("x-loadgen-seq")
        if not seqs:
            continue
        if opts.prefix_given:
            tags = h.get("x-loadgen-tag", [])
            mids = h.get("message-id", [])
            if opts.prefix not in tags and not any(
                    m.startswith("<%s-" % opts.prefix) for m in mids):
                continue
        try:
            counts[int(seqs[0])] += 1
        except ValueError:
            continue
    for seq in sorted(counts):
        print("%d %d" % (seq, counts[seq]))
    if opts.expect is None:
        return 0
    want = set(range(1, opts.expect + 1))
    missing = sorted(want - set(counts))
    dups = sorted(s for s, c in counts.items() if c > 1 and s in want)
    extra = sorted(s for s in counts if s not in want)
    ok = not (missing or dups or extra)
    if not ok:
        def fmt(xs):
            return " ".join(map(str, xs[:50])) + (" ..." if len(xs) > 50 else "")
        print("count: %d distinct of %d expected, %d files" % (
            len(set(counts) & want), opts.expect, sum(counts.values())), file=sys.stderr)
        if missing:
            print("missing (%d): %s" % (len(missing), fmt(missing)), file=sys.stderr)
        if dups:
            print("duplicated (%d): %s" % (len(dups), fmt(["%d*%d" % (s, counts[s]) for s in dups])),
                  file=sys.stderr)
        if extra:
            print("unexpected (%d): %s" % (len(extra), fmt(extra)), file=sys.stderr)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description="concurrent SMTP load generator / counter")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--from", dest="sender", default="loadgen@x.test")
    ap.add_argument("--to", action="append", default=None,
                    help="recipient (repeatable, or comma-separated); default user@example.test")
    ap.add_argument("--size", type=int, default=0, help="approximate message size in bytes")
    ap.add_argument("--prefix", default=None, help="tag in Message-ID/X-Loadgen-Tag (default lg)")
    ap.add_argument("--timeout", type=float, default=60, help="per socket operation (s)")
    ap.add_argument("--helo", default="loadgen.test")
    ap.add_argument("--bind", help="local source address, e.g. 127.0.0.2")
    ap.add_argument("--verbose", "-v", action="store_true", help="summary on stderr")
    ap.add_argument("--count-dir")
    ap.add_argument("--expect", type=int)
    opts = ap.parse_args()
    opts.prefix_given = opts.prefix is not None
    if opts.prefix is None:
        opts.prefix = "lg"
    if opts.count_dir:
        return run_count(opts)
    if not opts.port or not opts.out:
        ap.error("--port and --out are required (or --count-dir)")
    opts.rcpts = [r.strip() for t in (opts.to or ["user@example.test"]) for r in t.split(",") if r.strip()]
    socket.setdefaulttimeout(opts.timeout)
    return run_send(opts)


if __name__ == "__main__":
    sys.exit(main())
