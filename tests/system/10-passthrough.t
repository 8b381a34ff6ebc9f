#!/bin/bash
# 10-passthrough.t - a message passes through mailsift byte for byte,
# with only mailsift's Received: line added, and the client gets the
# amavisd-new style "250 2.6.0 Ok, id=..., from MTA: ..." reply.
# Also: LMTP (one reply per recipient), XFORWARD in and out.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port)

sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ok "mailsift starts" ms_start ms
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"

# A message with awkward content: dot lines, 8-bit text, a long line,
# an empty line at the end, a NUL-free binary-ish line.
msg=$T/msg.eml
{
	printf 'From: Alice <alice@sender.test>\r\n'
	printf 'To: user@example.test\r\n'
	printf 'Subject: pass-through test\r\n'
	printf 'Message-ID: <pt-1@sender.test>\r\n'
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n'
	printf 'Content-Transfer-Encoding: 8bit\r\n'
	printf '\r\n'
	printf 'Ceci est un test, d\xc3\xa9j\xc3\xa0 vu.\r\n'
	printf '.\r\n'
	printf '..two dots\r\n'
	printf '.one dot\r\n'
	head -c 3000 /dev/zero | tr '\0' 'x'; printf '\r\n'
	printf 'tab\there \x01\x7f\r\n'
	printf '\r\n'
} > "$msg"

out=$($SEND --from alice@sender.test --to user@example.test "$msg")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 2\.0\.0 Ok: queued as S[0-9]+$' \
	"reply is 250 2.6.0 Ok, id=..., from MTA: ..."
id=$(printf '%s' "$out" | sed -n 's/.*id=\([0-9A-F]*\),.*/\1/p')
ok "the sink got one message" sink_wait sink 1 50
got=$(sink_last sink)
# strip the first header (our Received: line, folded over 3 lines) and
# the scanner's X-Virus-Scanned: line
rcvd=$("$PYTHON" - "$got" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"\r\n", 0)
while d[i + 2:i + 3] in (b"\t", b" "):
    i = d.index(b"\r\n", i + 2)
sys.stdout.write(d[:i + 2].decode())
rest = d[i + 2:]
# then the scanner's X-Virus-Scanned: line
if rest.startswith(b"X-Virus-Scanned: "):
    rest = rest[rest.index(b"\r\n") + 2:]
    open(sys.argv[1] + ".scanned", "wb").write(b"")
open(sys.argv[1] + ".rest", "wb").write(rest)
PY
)
ok "message is byte-for-byte unchanged after the Received: and X-Virus-Scanned: lines" \
	cmp "$msg" "$got.rest"
ok "the scanner's X-Virus-Scanned: line follows the Received: line" test -e "$got.scanned"
like "$rcvd" "^Received: from client\.test \(localhost \[127\.0\.0\.1\]\)"$'\r\n\t'"by filter\.example\.test \(mailsift\) with ESMTP id $id"$'\r\n\t'"for <user@example\.test>; [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000" \
	"Received: line names client, host, protocol, id, recipient and date"
is "$(sink_env_get "${got%.eml}.env" 'e["mail_from"]')" "alice@sender.test" "envelope sender kept"
like "$(sink_env_get "${got%.eml}.env" 'e["xforward"]')" '"ADDR": "127.0.0.1"' \
	"XFORWARD to the next hop names our client"
ok "qmgr logs from=/size/nrcpt" grep -qE "$id: from=<alice@sender.test>, size=[0-9]+, nrcpt=1" "$T/ms/mailsift.log"
ok "reinject logs to=/status=sent" grep -qE "$id: to=<user@example.test>, relay=.*status=sent" "$T/ms/mailsift.log"

# The upstream MTA's XFORWARD is what mailsift reports and forwards.
out=$($SEND --from a@sender.test --to user@example.test \
	--xforward 'NAME=mx.client.test ADDR=192.0.2.7 PORT=4321 PROTO=ESMTP HELO=orig.helo.test IDENT=ABC123 SOURCE=REMOTE' "$msg")
like "$out" '^250 2\.6\.0 ' "message with XFORWARD accepted"
ok "the sink got it" sink_wait sink 2 50
got=$(sink_last sink)
like "$(head -c 200 "$got")" '^Received: from orig\.helo\.test \(mx\.client\.test \[192\.0\.2\.7\]\)' \
	"Received: line uses the XFORWARD client"
is "$(sink_env_get "${got%.eml}.env" 'e["xforward"]["ADDR"]')" "192.0.2.7" "XFORWARD ADDR forwarded"
is "$(sink_env_get "${got%.eml}.env" 'e["xforward"]["IDENT"]')" "ABC123" "XFORWARD IDENT forwarded"
is "$(sink_env_get "${got%.eml}.env" 'e["xforward"]["HELO"]')" "orig.helo.test" "XFORWARD HELO forwarded"

# Two recipients over SMTP: one reply, no "for" clause.
out=$($SEND --from a@sender.test --to user@example.test --to user2@example.test "$msg")
like "$out" '^250 2\.6\.0 ' "two recipients, one 250"
ok "the sink got it" sink_wait sink 3 50
got=$(sink_last sink)
unlike "$(head -c 300 "$got")" 'for <' "no 'for' clause with two recipients"
is "$(sink_env_get "${got%.eml}.env" 'len(e["rcpts"])')" "2" "both recipients relayed"

# LMTP in: one reply per recipient.
out=$($SEND --lmtp --from a@sender.test --to user@example.test --to user2@example.test "$msg")
is "$(printf '%s\n' "$out" | grep -c '^250 2\.6\.0 Ok, id=')" "2" "LMTP: one 250 per recipient"
ok "the sink got it" sink_wait sink 4 50
like "$(head -c 300 "$(sink_last sink)")" 'with LMTP id' "Received: says LMTP"

# A recipient rejected by the next hop over LMTP gets its own 5xx.
sink_mode sink "rcpt-reject:user2@example.test"
out=$($SEND --lmtp --from a@sender.test --to user@example.test --to user2@example.test "$msg")
like "$(printf '%s\n' "$out" | sed -n 1p)" '^250 2\.6\.0 ' "LMTP: accepted recipient 250"
like "$(printf '%s\n' "$out" | sed -n 2p)" '^550 5\.1\.1 Rejected, id=[0-9A-F]+, from MTA: 550 5\.1\.1' \
	"LMTP: rejected recipient gets the next hop's 5xx"
sink_mode sink normal

# An empty message (just the dot) is still a message.
printf '' > "$T/empty.eml"
out=$($SEND --from a@sender.test --to user@example.test "$T/empty.eml")
like "$out" '^250 2\.6\.0 ' "empty message accepted"

# Nothing stays in the queue.
ok "queue is empty afterwards" eval "ms_ctl ms queue | grep -q '^0 queue files'"
ms_stop ms
is "$STOPPED_STATUS" 0 "mailsiftd stops cleanly"
done_testing
