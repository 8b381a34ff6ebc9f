#!/usr/bin/python3
"""smtpsend.py - send one message file over SMTP/LMTP, byte for byte.

Usage: smtpsend.py --port P [--lmtp] [--helo NAME] [--xforward 'NAME=a ADDR=b']
                   --from ADDR --to ADDR [--to ADDR...] FILE
The file must already have CRLF line ends; it is dot-stuffed and sent as
is.  Prints every reply line the server sends after the final dot, one a
line ("250 2.6.0 ..."), and exits 0 if the first is 2xx, 1 otherwise.
"""
import argparse
import socket
import sys


def reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("connection closed")
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def cmd(s, f, text):
    s.sendall(text.encode() + b"\r\n")
    r = reply(f)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lmtp", action="store_true")
    ap.add_argument("--helo", default="client.test")
    ap.add_argument("--xforward")
    ap.add_argument("--from", dest="sender", default="")
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("file")
    a = ap.parse_args()
    data = open(a.file, "rb").read()
    s = socket.create_connection(("127.0.0.1", a.port), timeout=60)
    f = s.makefile("rb")
    reply(f)
    cmd(s, f, ("LHLO " if a.lmtp else "EHLO ") + a.helo)
    if a.xforward:
        r = cmd(s, f, "XFORWARD " + a.xforward)
        if not r[0].startswith("250"):
            print("\n".join(r))
            return 1
    r = cmd(s, f, "MAIL FROM:<%s>" % a.sender)
    if not r[0].startswith("250"):
        print("\n".join(r))
        return 1
    ok = 0
    for rcpt in a.to:
        r = cmd(s, f, "RCPT TO:<%s>" % rcpt)
        if r[0].startswith("250"):
            ok += 1
        else:
            print("\n".join(r))
    if ok == 0:
        return 1
    r = cmd(s, f, "DATA")
    if not r[0].startswith("354"):
        print("\n".join(r))
        return 1
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
        body = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                        for l in lines)
    else:
        body = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                        for l in lines)
    s.sendall(body + b".\r\n")
    out = []
    for _ in range(ok if a.lmtp else 1):
        out.append(reply(f)[-1])
    print("\n".join(out))
    try:
        cmd(s, f, "QUIT")
    except SystemExit:
        pass
    return 0 if out[0].startswith("2") else 1


if __name__ == "__main__":
    sys.exit(main())
