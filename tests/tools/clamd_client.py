#!/usr/bin/python3
"""clamd_client.py - raw clamd protocol client for tests/system/72-clamd.t.

Talks to a clamd (or mailsift's scanner) on a unix socket and prints every
byte it gets back, so two daemons can be compared byte for byte.

  clamd_client.py [--timeout S] [--sort] [--fdnorm] SOCKET STEP...

runs the STEPs on one connection, then reads until the daemon closes it
(or the timeout) and prints the reply escaped: printable ASCII as is,
"\\\\", "\\0", "\\n", "\\r", "\\t", other bytes "\\xHH", and a real newline
after every "\\0" or "\\n" (one reply a line).  --sort sorts those lines
(IDSESSION replies may come out of order); --fdnorm rewrites "fd[NUM]" to
"fd[N]" (the number is the daemon's own descriptor).  Steps:

  send:TEXT        send TEXT (the escapes above are decoded: zPING\\0)
  file:PATH        send the bytes of PATH as they are
  fd:PATH          sendmsg() one NUL byte with PATH's descriptor (SCM_RIGHTS)
  byte             send one NUL byte without a descriptor
  shut             shutdown(SHUT_WR): the daemon sees the end of input
  chunks:PATH[:N]  send PATH as INSTREAM chunks of N bytes (default 8192)
  zeros:N[:C]      send N zero bytes as INSTREAM chunks of C bytes
  endstream        the zero-length chunk that ends an INSTREAM
  read:K           wait until K replies in all (NUL or LF terminated) arrived
  sleep:S          pause S seconds

A send the daemon refuses (it closed the connection) stops the sending;
what it replied is still read and printed.  Exit status 0, or 2 on a
usage error or when the socket cannot be reached.

  clamd_client.py load --socket S --expect FILE=REPLY... [--threads 8]
                  [--seconds 5] [--reload-every 0.5] [--dbdir D]
                  [--probe FILE=NAME] [--timeout 30]

keeps N threads scanning the FILEs in turn, alternately by INSTREAM and by
FILDES, one connection a scan, for the given time, while the main thread
sends a legacy "RELOAD\\0" (as freshclam's NotifyClamd does) every period
and, with --dbdir, alternately adds a new .ndb file there (a signature
that matches none of the files) and touches the .ndb files.  REPLY is the
expected answer without the "stream: "/"fd[N]: " prefix and the NUL, e.g.
"Eicar-Test-Signature.UNOFFICIAL FOUND" or "OK"; every scan must get
exactly that.  The --probe FILE is scanned too: half-way a signature NAME
for it is added to --dbdir (probe.ndb); before, it must be OK, after, OK
or "NAME[.UNOFFICIAL] FOUND", and it must be found after some RELOAD
(RELOAD goes on, at most 30 s, until it is).  Prints "scans N", "failed N",
"reloads N", "bad_reloads N", "probe_found_after S" and a "FAIL ..." line
per problem (at most 20 scans); exit 0 iff there was none.
"""
import array
import os
import re
import socket
import struct
import sys
import threading
import time


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out += c.encode("latin-1")
            i += 1
            continue
        n = text[i + 1]
        if n == "x":
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"0": b"\0", "n": b"\n", "r": b"\r", "t": b"\t",
                "\\": b"\\"}.get(n, ("\\" + n).encode("latin-1"))
        i += 2
    return bytes(out)


def escape(data):
    out = []
    for b in data:
        if b == 0:
            out.append("\\0\n")
        elif b == 10:
            out.append("\\n\n")
        elif b == 13:
            out.append("\\r")
        elif b == 9:
            out.append("\\t")
        elif b == 92:
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def connect(path, timeout):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def count_replies(data):
    return data.count(b"\0") + data.count(b"\n")


def chunk_frames(data, size):
    for i in range(0, len(data), size):
        part = data[i:i + size]
        yield struct.pack(">I", len(part)) + part


def run_steps(path, steps, timeout):
    s = connect(path, timeout)
    got = bytearray()
    sending = True
    deadline = time.time() + timeout

    def pump(block):
        # read what is there (block: wait for at least one packet)
        s.setblocking(block)
        if block:
            s.settimeout(max(0.05, deadline - time.time()))
        try:
            d = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except socket.timeout:
            return False
        except OSError:
            return False
        finally:
            s.setblocking(True)
            s.settimeout(timeout)
        if not d:
            return False
        got.extend(d)
        return True

    def send(data):
        nonlocal sending
        if not sending:
            return
        try:
            s.sendall(data)
        except OSError as e:
            sys.stderr.write("send stopped: %s\n" % e)
            sending = False
        pump(False)

    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "send":
            send(unescape(arg))
        elif kind == "file":
            with open(arg, "rb") as f:
                send(f.read())
        elif kind == "fd":
            if sending:
                fd = os.open(arg, os.O_RDONLY)
                try:
                    s.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [fd]))])
                except OSError as e:
                    sys.stderr.write("send stopped: %s\n" % e)
                    sending = False
                os.close(fd)
        elif kind == "byte":
            send(b"\0")
        elif kind == "shut":
            if sending:
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                sending = False
        elif kind == "chunks":
            p, _, n = arg.partition(":")
            with open(p, "rb") as f:
                data = f.read()
            for frame in chunk_frames(data, int(n or 8192)):
                send(frame)
        elif kind == "zeros":
            n, _, c = arg.partition(":")
            n, c = int(n), int(c or 65536)
            while n > 0 and sending:
                k = min(n, c)
                send(struct.pack(">I", k) + bytes(k))
                n -= k
        elif kind == "endstream":
            send(struct.pack(">I", 0))
        elif kind == "read":
            while count_replies(got) < int(arg) and pump(True):
                pass
        elif kind == "sleep":
            time.sleep(float(arg))
        else:
            sys.stderr.write("unknown step %r\n" % step)
            sys.exit(2)
    while pump(True):
        pass
    s.close()
    return bytes(got)


# ------------------------------------------------------------------ load

def scan_instream(path, data, timeout):
    s = connect(path, timeout)
    try:
        s.sendall(b"zINSTREAM\0" + b"".join(chunk_frames(data, 4096))
                  + struct.pack(">I", 0))
        return read_all(s)
    finally:
        s.close()


def scan_fildes(path, file, timeout):
    s = connect(path, timeout)
    fd = os.open(file, os.O_RDONLY)
    try:
        s.sendall(b"zFILDES\0")
        s.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                             array.array("i", [fd]))])
        return read_all(s)
    finally:
        os.close(fd)
        s.close()


def read_all(s):
    got = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            return bytes(got)
        got.extend(d)


def load(argv):
    opts = {"threads": "8", "seconds": "5", "reload-every": "0.5",
            "dbdir": None, "socket": None, "timeout": "30"}
    expect, probe = [], None
    i = 0
    while i + 1 < len(argv):
        k, v = argv[i].lstrip("-"), argv[i + 1]
        i += 2
        if k == "expect":
            f, _, r = v.partition("=")
            expect.append((f, r))
        elif k == "probe":
            f, _, r = v.partition("=")
            probe = (f, r)
        elif k in opts:
            opts[k] = v
        else:
            sys.stderr.write("unknown option %s\n" % k)
            return 2
    if i != len(argv) or not opts["socket"] or not expect:
        sys.stderr.write(__doc__)
        return 2
    if probe and not opts["dbdir"]:
        sys.stderr.write("--probe needs --dbdir\n")
        return 2
    path = opts["socket"]
    seconds = float(opts["seconds"])
    every = float(opts["reload-every"])
    timeout = float(opts["timeout"])
    dbdir = opts["dbdir"]
    samples = [(f, open(f, "rb").read(), r) for f, r in expect]
    if probe:
        samples.append((probe[0], open(probe[0], "rb").read(), None))
        probe_found = re.compile(re.escape(probe[1]) + r"(\.UNOFFICIAL)? FOUND")
    lock = threading.Lock()
    stats = {"scans": 0, "failed": 0, "instream": 0, "fildes": 0}
    failures = []
    probe_seen = []          # when the probe was found (reply times)
    stop = threading.Event()

    def worker(n):
        k = n
        while not stop.is_set():
            f, data, want = samples[k % len(samples)]
            use_fd = (k // len(samples) + n) % 2 == 1
            k += 1
            try:
                if use_fd:
                    r = scan_fildes(path, f, timeout)
                else:
                    r = scan_instream(path, data, timeout)
            except OSError as e:
                r = ("exception: %s" % e).encode()
            t = time.time()
            prefix = rb"fd\[\d+\]: " if use_fd else rb"stream: "
            m = re.fullmatch(prefix + rb"(.*)\0", r, re.S)
            verdict = m.group(1).decode("latin-1") if m else None
            if verdict is None:
                good = False
            elif want is not None:
                good = verdict == want
            else:
                good = verdict == "OK" or probe_found.fullmatch(verdict)
            with lock:
                stats["scans"] += 1
                stats["fildes" if use_fd else "instream"] += 1
                if want is None and good and verdict != "OK":
                    probe_seen.append(t)
                if not good:
                    stats["failed"] += 1
                    if len(failures) < 20:
                        failures.append("%s via %s: %r" % (
                            os.path.basename(f),
                            "FILDES" if use_fd else "INSTREAM", r))

    def reload():
        try:
            s = connect(path, timeout)
            try:
                s.sendall(b"RELOAD\0")
                r = read_all(s)
            finally:
                s.close()
        except OSError as e:
            r = ("exception: %s" % e).encode()
        if r != b"RELOADING\n":
            failures.append("RELOAD answered %r" % r)
            return False
        return True

    def write_ndb(name, line):
        tmp = os.path.join(dbdir, ".clamd_client.tmp")
        with open(tmp, "w") as fh:
            fh.write(line + "\n")
        os.rename(tmp, os.path.join(dbdir, name))

    threads = [threading.Thread(target=worker, args=(n,))
               for n in range(int(opts["threads"]))]
    for t in threads:
        t.start()
    start = time.time()
    reloads = bad_reloads = added = 0
    probe_added = None
    try:
        while time.time() - start < seconds:
            time.sleep(every)
            if dbdir:
                if probe and probe_added is None and \
                        time.time() - start >= seconds / 2:
                    # a signature for the probe: it must be found from
                    # some reload on
                    head = open(probe[0], "rb").read()[:64].hex()
                    write_ndb("probe.ndb", "%s:0:*:%s" % (probe[1], head))
                    probe_added = time.time()
                elif reloads % 2 == 0:
                    added += 1
                    write_ndb("reload%d.ndb" % added, "Test.Reload.%d:0:*:%s"
                              % (added, os.urandom(24).hex()))
                else:
                    for f in os.listdir(dbdir):
                        if f.endswith(".ndb"):
                            os.utime(os.path.join(dbdir, f))
            reloads += 1
            if not reload():
                bad_reloads += 1
        if probe_added is not None:
            # go on (RELOAD every period) until the probe is found, bounded
            while not any(t > probe_added for t in probe_seen) and \
                    time.time() - probe_added < 30:
                time.sleep(every)
                reloads += 1
                if not reload():
                    bad_reloads += 1
    finally:
        stop.set()
        for t in threads:
            t.join()
    print("scans %d (INSTREAM %d, FILDES %d)" % (
        stats["scans"], stats["instream"], stats["fildes"]))
    print("failed %d" % stats["failed"])
    print("reloads %d" % reloads)
    print("bad_reloads %d" % bad_reloads)
    found_after = None
    if probe_added is not None:
        later = [t for t in probe_seen if t > probe_added]
        if later:
            found_after = later[0] - probe_added
        print("probe_found_after %s" % (
            "never" if found_after is None else "%.2f s" % found_after))
        if probe_seen and probe_seen[0] < probe_added:
            failures.append("probe found before its signature was added")
    for f in failures:
        print("FAIL " + f)
    good = not failures and stats["failed"] == 0 and bad_reloads == 0 \
        and stats["scans"] > 0 and stats["instream"] and stats["fildes"]
    if probe and found_after is None:
        good = False
    return 0 if good else 1


def main(argv):
    if argv and argv[0] == "load":
        return load(argv[1:])
    timeout, sort, fdnorm = 20.0, False, False
    while argv and argv[0].startswith("--"):
        o = argv.pop(0)
        if o == "--timeout":
            timeout = float(argv.pop(0))
        elif o == "--sort":
            sort = True
        elif o == "--fdnorm":
            fdnorm = True
        else:
            sys.stderr.write("unknown option %s\n" % o)
            return 2
    if len(argv) < 1:
        sys.stderr.write(__doc__)
        return 2
    try:
        got = run_steps(argv[0], argv[1:], timeout)
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (argv[0], e))
        return 2
    text = escape(got)
    if fdnorm:
        text = re.sub(r"fd\[\d+\]", "fd[N]", text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if sort:
        lines.sort()
    sys.stdout.write("".join(l + "\n" for l in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
