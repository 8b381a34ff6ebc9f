#!/usr/bin/env python3
"""spamd_symbols.py - ask a spamd (the real one or mailsift's spamd_listen)
for the verdict of many messages with the SYMBOLS method, in parallel.

usage: spamd_symbols.py HOST:PORT JOBS LISTFILE > out.tsv
LISTFILE: lines "group<TAB>path"; a leading mbox "From " line is dropped.
Output: group, file name, score, required, comma-separated rules, seconds
(connect .. whole reply); "group, file name, ERROR, text" when the
request failed.  In the order of LISTFILE.  bench/score reads and writes
this format (--sa-cache) and has its own client for the timed runs.
"""
import socket, sys, time, os
from concurrent.futures import ThreadPoolExecutor

def symbols(host, port, msg, timeout=120):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"SYMBOLS SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(msg) + msg)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"SPAMD/") or not lines[0].endswith(b"EX_OK"):
        raise RuntimeError("bad reply: %r" % lines[0])
    score = req = None
    for l in lines[1:]:
        if l.startswith(b"Spam:"):
            v = l.split(b";")[1].split(b"/")
            score, req = float(v[0]), float(v[1])
    if score is None:
        raise RuntimeError("no Spam: header in the reply: %r" % lines[0])
    return score, req, body.decode("latin-1").strip()

def main():
    if len(sys.argv) != 4 or ":" not in sys.argv[1]:
        sys.exit("usage: spamd_symbols.py HOST:PORT JOBS LISTFILE > out.tsv")
    host, port = sys.argv[1].rsplit(":", 1)
    jobs = int(sys.argv[2])
    items = [l.rstrip("\n").split("\t") for l in open(sys.argv[3]) if l.strip()]
    def one(it):
        g, path = it
        msg = open(path, "rb").read()
        if msg.startswith(b"From "):
            msg = msg[msg.find(b"\n") + 1:]
        t = time.time()
        try:
            r = symbols(host, int(port), msg)
        except Exception as e:
            return (g, os.path.basename(path), "ERROR", str(e).replace("\t", " ").replace("\n", " "))
        return (g, os.path.basename(path), "%.3f" % r[0], "%.1f" % r[1], r[2], "%.4f" % (time.time() - t))
    with ThreadPoolExecutor(jobs) as ex:
        for r in ex.map(one, items):
            print("\t".join(r), flush=True)

if __name__ == "__main__":
    main()
