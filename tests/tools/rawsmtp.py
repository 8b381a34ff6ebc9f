#!/usr/bin/python3
"""rawsmtp.py - drive an SMTP server with raw bytes and print its replies.

Usage: rawsmtp.py PORT [--timeout S] < SCRIPT
SCRIPT lines:  send TEXT   send TEXT (Python escapes: \\r \\n \\x00) as is
               line TEXT   send TEXT + CRLF
               repeat N TEXT  send N lines TEXT + CRLF in one write
               big N CHAR  send N copies of CHAR then CRLF
               read [N]    read N replies (default 1), print them
               drain       read replies until the server closes
Prints every reply line as "R: <line>" and "CLOSED" when the server
closes the connection.
"""
import socket
import sys


def main():
    port = int(sys.argv[1])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    f = s.makefile("rb")
    closed = False

    def reply():
        nonlocal closed
        while True:
            try:
                line = f.readline()
            except (socket.timeout, ConnectionError):
                line = b""
            if not line:
                if not closed:
                    print("CLOSED")
                closed = True
                return False
            text = line.decode("latin-1").rstrip("\r\n")
            print("R: " + text)
            if len(text) < 4 or text[3] != "-":
                return True

    def send(data):
        try:
            s.sendall(data)
        except OSError:
            pass

    reply()  # greeting
    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        if not raw:
            continue
        op, _, arg = raw.partition(" ")
        if op == "send":
            send(arg.encode("latin-1").decode("unicode_escape").encode("latin-1"))
        elif op == "line":
            send(arg.encode("latin-1").decode("unicode_escape").encode("latin-1") + b"\r\n")
        elif op == "repeat":
            n, _, text = arg.partition(" ")
            send((text + "\r\n").encode() * int(n))
        elif op == "big":
            n, _, ch = arg.partition(" ")
            send(ch.encode() * int(n) + b"\r\n")
        elif op == "read":
            for _ in range(int(arg or 1)):
                if not reply():
                    break
        elif op == "drain":
            while reply():
                pass
    s.close()


if __name__ == "__main__":
    main()
