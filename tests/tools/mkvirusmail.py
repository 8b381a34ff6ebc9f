#!/usr/bin/python3
"""mkvirusmail.py - write a test message that carries a file in some wrapping.

Usage:
    mkvirusmail.py --kind KIND [--file PATH] [--name NAME] --out OUT.eml
                   [--depth N] [--archive-name NAME] [--type MIME/TYPE]
                   [--bomb-size BYTES] [--width W]
                   [--from ADDR] [--to ADDR] [--subject TEXT]
    mkvirusmail.py --batch LIST
                   (one message per line of LIST: the options above,
                   shell-quoted; "#" starts a comment)

KIND (the file is PATH, carried under the name NAME, default PATH's base
name):
    base64   a base64 attachment: Content-Type with name="NAME",
             Content-Disposition: attachment; filename="NAME"
    zip      NAME inside a zip attachment (files.zip)
    targz    NAME inside a tar.gz attachment (files.tar.gz)
    rfc822   a forwarded message (message/rfc822 part) that itself carries
             the file as a base64 attachment
    zipzip   NAME inside inner.zip inside a zip attachment (outer.zip)
    rfc2231  a base64 attachment whose name is only given as the RFC 2231
             parameter filename*=utf-8''<percent-encoded NAME> (no name=)
    plain    a text/plain body holding the file's bytes verbatim (line ends
             made CRLF): for EICAR
    nested   a zip nested --depth N levels deep (nest01.zip ... zip in zip)
             with a harmless bottom.txt (or PATH as NAME) at the bottom,
             attached as nested.zip; N = number of zip layers
    zipbomb  a 42.zip-like layered bomb: bomb.zip holds --width W (default
             8) zips zeros01.zip..., zip NN holding one member zeros.bin
             that inflates to --bomb-size + NN bytes (default 1 GiB) of
             zeros; about 32 KB of mail for 8 GiB.  --width 1 is the
             "one member of ~1 GB" bomb.  (libclamav 1.4 scans a single
             1 GiB member silently cut to MaxFileSize, 100M, and says OK
             even with --alert-exceeds-max; eight distinct ones exceed
             MaxScanSize, 400M: Heuristics.Limits.Exceeded.MaxScanSize.)

The message is RFC 5322 + MIME with CRLF line ends, a text/plain first
part and fixed boundaries, dates and Message-ID:, so the same arguments
always give the same bytes.  --archive-name
renames the outer attachment of zip, targz, zipzip, nested and zipbomb;
--type sets the attachment's Content-Type (default from NAME's
extension, else application/octet-stream).  Python standard library only.
"""

import argparse
import base64
import io
import os
import shlex
import struct
import sys
import tarfile
import urllib.parse
import zipfile
import zlib

CRLF = b"\r\n"
BOUNDARY = "=_mailsift_test_outer_0"
INNER_BOUNDARY = "=_mailsift_test_inner_1"
DATE = "Mon, 01 Jan 2024 12:00:00 +0000"

TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tgz": "application/gzip",
    ".eml": "message/rfc822",
}


def ctype_for(name, override=None):
    """ctype_for - the Content-Type for an attachment named name"""
    if override:
        return override
    return TYPES.get(os.path.splitext(name)[1].lower(),
                     "application/octet-stream")


def b64lines(data):
    """b64lines - base64 of data in lines of 76, CRLF-terminated"""
    enc = base64.b64encode(data)
    return b"".join(enc[i:i + 76] + CRLF for i in range(0, len(enc), 76))


def quoted(name):
    """quoted - a quoted-string parameter value (RFC 2045); a name that is
    not printable ASCII goes in as an RFC 2047 encoded-word, as common
    mail clients write it"""
    if printable(name) != name:
        name = "=?utf-8?B?%s?=" % base64.b64encode(
            name.encode("utf-8")).decode()
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rfc2231(name):
    """rfc2231 - utf-8''percent-encoded value of an extended parameter"""
    # attribute-char: any CHAR except SPACE, CTLs, "*", "'", "%", tspecials
    return "utf-8''" + urllib.parse.quote(name.encode("utf-8"),
                                          safe="!#$&+-.^_`|~")


def printable(text):
    """printable - text with anything but printable ASCII made "?", for
    Subject: and the body text (a hostile name may hold line breaks)"""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)


def lines(*text):
    """lines - header/body lines (str) joined with CRLF, ending in CRLF"""
    return b"".join(t.encode("utf-8") + CRLF for t in text)


def attachment(data, name, ctype, how="quoted"):
    """attachment - one base64 MIME part (headers and body) for data"""
    if how == "rfc2231":
        hdr = lines("Content-Type: %s" % ctype,
                    "Content-Disposition: attachment;",
                    " filename*=%s" % rfc2231(name))
    else:
        hdr = lines("Content-Type: %s; name=%s" % (ctype, quoted(name)),
                    "Content-Disposition: attachment; filename=%s"
                    % quoted(name))
    return hdr + lines("Content-Transfer-Encoding: base64", "") + \
        b64lines(data)


def multipart(boundary, text, parts):
    """multipart - a multipart/mixed body: a text part, then parts"""
    out = lines("This is a multi-part message in MIME format.", "",
                "--" + boundary,
                "Content-Type: text/plain; charset=us-ascii",
                "Content-Transfer-Encoding: 7bit", "", text)
    for p in parts:
        out += lines("--" + boundary) + p
    return out + lines("--" + boundary + "--")


def message(a, subject, boundary, text, parts, msgid):
    """message - a whole multipart/mixed message"""
    head = lines("From: Test Sender <%s>" % a.sender,
                 "To: <%s>" % a.rcpt,
                 "Subject: %s" % subject,
                 "Date: %s" % DATE,
                 "Message-ID: <%s@mkvirusmail.test>" % msgid,
                 "MIME-Version: 1.0",
                 "Content-Type: multipart/mixed;",
                 " boundary=%s" % quoted(boundary),
                 "")
    return head + multipart(boundary, text, parts)


def make_zip(members):
    """make_zip - a deflated zip of (name, data) members, fixed dates"""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return b.getvalue()


def make_targz(name, data):
    """make_targz - a gzip-compressed tar holding one file"""
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz", format=tarfile.USTAR_FORMAT) \
            as t:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mtime = 1704110400
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))
    return b.getvalue()


_BOMB_CACHE = {}


def bomb_member(size):
    """bomb_member - a zip whose one member zeros.bin inflates to size
    zero bytes; the deflate stream repeats one full-flushed 1 MiB block,
    so it is made quickly (about 1 KB per MiB)"""
    chunk_len = 1 << 20
    n, rest = divmod(size, chunk_len)
    if n not in _BOMB_CACHE:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        chunk = c.compress(bytes(chunk_len)) + c.flush(zlib.Z_FULL_FLUSH)
        crc, zeros = 0, bytes(chunk_len)
        for _ in range(n):
            crc = zlib.crc32(zeros, crc)
        _BOMB_CACHE[n] = (chunk * n, crc)
    body, crc = _BOMB_CACHE[n]
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = body + c.compress(bytes(rest)) + c.flush()   # ends the stream
    crc = zlib.crc32(bytes(rest), crc)
    if size >= 0xffffffff or len(data) >= 0xffffffff:
        raise SystemExit("mkvirusmail: --bomb-size must be below 4 GiB")
    name = b"zeros.bin"
    dostime, dosdate = (12 << 11), ((2024 - 1980) << 9) | (1 << 5) | 1
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, dostime,
                        dosdate, crc, len(data), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 0x0314, 20, 0,
                          8, dostime, dosdate, crc, len(data), size,
                          len(name), 0, 0, 0, 0, 0o644 << 16, 0) + name
    cd_off = len(local) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(central),
                      cd_off, 0)
    return local + data + central + end


def build(a):
    """build - the message bytes for the arguments a"""
    data = b""
    if a.file:
        with open(a.file, "rb") as f:
            data = f.read()
    name = a.name or (os.path.basename(a.file) if a.file else "bottom.txt")
    kind = a.kind
    tag = "%s-%s" % (kind, name)
    msgid = "mkvirusmail-" + "".join(
        ch if ch.isascii() and ch.isalnum() or ch in ".-_" else "_"
        for ch in tag)
    subject = "test %s: %s" % (kind, printable(name))
    text = "This message carries a test file (%s, %s)." % (kind,
                                                        printable(name))

    if kind in ("base64", "rfc2231"):
        part = attachment(data, name, ctype_for(name, a.type),
                          "rfc2231" if kind == "rfc2231" else "quoted")
    elif kind == "zip":
        aname = a.archive_name or "files.zip"
        part = attachment(make_zip([(name, data)]), aname,
                          ctype_for(aname, a.type))
    elif kind == "targz":
        aname = a.archive_name or "files.tar.gz"
        part = attachment(make_targz(name, data), aname,
                          ctype_for(aname, a.type))
    elif kind == "zipzip":
        aname = a.archive_name or "outer.zip"
        inner = make_zip([(name, data)])
        part = attachment(make_zip([("inner.zip", inner)]), aname,
                          ctype_for(aname, a.type))
    elif kind == "nested":
        if a.depth < 1:
            raise SystemExit("mkvirusmail: --depth must be at least 1")
        bottom = data if a.file else b"Just a harmless text file.\r\n"
        z = make_zip([(name, bottom)])
        for i in range(1, a.depth):
            z = make_zip([("nest%02d.zip" % i, z)])
        aname = a.archive_name or "nested.zip"
        part = attachment(z, aname, ctype_for(aname, a.type))
        subject = "test nested: %d levels" % a.depth
    elif kind == "zipbomb":
        # Member i inflates to bomb_size + i bytes: copies that differ
        # defeat libclamav's clean-file cache, so each one is scanned.
        z = make_zip([("zeros%02d.zip" % i, bomb_member(a.bomb_size + i))
                      for i in range(1, a.width + 1)])
        aname = a.archive_name or "bomb.zip"
        part = attachment(z, aname, ctype_for(aname, a.type))
        subject = "test zipbomb: %d x %d bytes" % (a.width, a.bomb_size)
        text = ("A zip bomb: %d zips, each with one member that inflates"
                " to %d bytes of zeros." % (a.width, a.bomb_size))
    elif kind == "rfc822":
        fwd = message(a, "original: %s" % printable(name), INNER_BOUNDARY,
                      "The forwarded message carries %s." % printable(name),
                      [attachment(data, name, ctype_for(name, a.type))],
                      msgid + "-inner")
        part = lines("Content-Type: message/rfc822",
                     "Content-Disposition: inline", "") + fwd
    elif kind == "plain":
        body = data.replace(b"\r\n", b"\n").replace(b"\n", CRLF)
        if not body.endswith(CRLF):
            body += CRLF
        cte = "7bit" if all(b < 0x80 for b in body) else "8bit"
        return lines("From: Test Sender <%s>" % a.sender,
                     "To: <%s>" % a.rcpt,
                     "Subject: %s" % subject,
                     "Date: %s" % DATE,
                     "Message-ID: <%s@mkvirusmail.test>" % msgid,
                     "MIME-Version: 1.0",
                     "Content-Type: text/plain; charset=us-ascii",
                     "Content-Transfer-Encoding: %s" % cte,
                     "", text, "") + body
    else:
        raise SystemExit("mkvirusmail: unknown kind %r" % kind)
    return message(a, subject, BOUNDARY, text, [part], msgid)


def parser():
    """parser - the command line parser of one message"""
    ap = argparse.ArgumentParser(
        description="write a test message carrying a file")
    ap.add_argument("--kind", required=True,
                    choices=["base64", "zip", "targz", "rfc822", "zipzip",
                             "rfc2231", "plain", "nested", "zipbomb"])
    ap.add_argument("--file", help="the file to carry")
    ap.add_argument("--name", help="its name in the message or archive")
    ap.add_argument("--out", required=True, help="output file, - = stdout")
    ap.add_argument("--depth", type=int, default=30,
                    help="nested: number of zip layers (default 30)")
    ap.add_argument("--archive-name", help="name of the outer attachment")
    ap.add_argument("--type", help="Content-Type of the attachment")
    ap.add_argument("--bomb-size", type=int, default=1 << 30,
                    help="zipbomb: bytes each member inflates to")
    ap.add_argument("--width", type=int, default=8,
                    help="zipbomb: number of bomb zips in bomb.zip "
                    "(default 8)")
    ap.add_argument("--from", dest="sender", default="sender@example.test")
    ap.add_argument("--to", dest="rcpt", default="user@example.test")
    ap.add_argument("--subject", help="Subject: (default names the kind)")
    return ap


def write_one(argv):
    """write_one - make the message that the arguments argv describe"""
    ap = parser()
    a = ap.parse_args(argv)
    if a.kind not in ("nested", "zipbomb") and not a.file:
        ap.error("--kind %s needs --file" % a.kind)
    msg = build(a)
    if a.subject:
        i = msg.index(b"\r\nSubject: ") + 2
        j = msg.index(CRLF, i)
        msg = msg[:i] + b"Subject: " + printable(a.subject).encode() + \
            msg[j:]
    if a.out == "-":
        sys.stdout.buffer.write(msg)
    else:
        tmp = a.out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(msg)
        os.replace(tmp, a.out)


def main(argv):
    # --batch FILE: one message per line of FILE (the arguments above,
    # shell-quoted; blank lines and "#" lines skipped), one Python start
    # for all of them
    if len(argv) == 2 and argv[0] == "--batch":
        with open(argv[1], encoding="utf-8") as f:
            for line in f:
                args = shlex.split(line, comments=True)
                if args:
                    write_one(args)
        return 0
    write_one(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
