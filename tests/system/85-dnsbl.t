#!/bin/bash
# 85-dnsbl.t - smtpd_client_restrictions = reject_rbl_client against a
# real DNS server (dnsmasq on a loopback port, TESTING-PEERS.md §3): a
# listed client (source address 127.0.0.2) is refused at RCPT TO with
# Postfix 3.7's exact reply and log line, clean clients (127.0.0.1,
# 127.0.0.3) are delivered; a NAME=d.d.d.d pattern that does not match
# lets the listed client through; with the DNS server gone, or silent,
# mail still flows, the RCPT answer comes within dns_timeout + 1 s and
# the log names the DNS failure.
. "$(dirname "$0")/../lib.sh"
command -v dnsmasq >/dev/null || skip_all "dnsmasq is not installed"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port); P_DNS=$(free_port)

# --- the DNS list: dnsmasq with the bl.test zone
cat >"$T/dnsmasq.conf" <<EOF
port=$P_DNS
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
no-negcache
local=/bl.test/
host-record=2.0.0.127.bl.test,127.0.0.2
txt-record=2.0.0.127.bl.test,"listed in bl.test test zone"
log-facility=$T/dnsmasq.log
log-queries
EOF
dnsmasq --conf-file="$T/dnsmasq.conf" --keep-in-foreground --user=root \
	--group=root >"$T/dnsmasq.out" 2>&1 </dev/null &
DNS_PID=$!
add_cleanup "stop_pid $DNS_PID"
dns_up() { dig +short +time=1 +tries=1 @127.0.0.1 -p "$P_DNS" 2.0.0.127.bl.test A | grep -q 127.0.0.2; }
ok "dnsmasq answers for bl.test" wait_for "dnsmasq" 50 dns_up

# --- mailsift with the restriction; mynetworks holds none of the clients
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ms_conf ms "dns_servers = 127.0.0.1:$P_DNS" 'dns_timeout = 2s' \
	'mynetworks = 10.99.0.0/16' \
	'smtpd_client_restrictions = permit_mynetworks, reject_rbl_client bl.test'
ok "mailsift starts" ms_start ms

# smtp SOURCE [data|rcpt]: one session from address SOURCE; prints each
# reply as "R: line" and "T: seconds from connect to the RCPT reply"
cat >"$T/client.py" <<'PY'
import socket, sys, time
port, src, upto = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.settimeout(30)
s.bind((src, 0))
t0 = time.monotonic()
s.connect(("127.0.0.1", port))
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline().decode().rstrip("\r\n")
        print("R: " + l)
        if len(l) < 4 or l[3] != "-":
            return l
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
reply()
cmd("EHLO client.sender.test")
cmd("MAIL FROM:<alice@sender.test>")
r = cmd("RCPT TO:<user@example.test>")
print("T: %.2f" % (time.monotonic() - t0))
if upto == "data" and r.startswith("250"):
    cmd("DATA")
    s.sendall(b"From: alice@sender.test\r\nSubject: dnsbl " + src.encode() +
        b"\r\n\r\nhello\r\n.\r\n")
    reply()
cmd("QUIT")
PY
smtp() { "$PYTHON" "$T/client.py" "$P_F" "$@"; }
rcpt_time() { printf '%s\n' "$1" | sed -n 's/^T: //p'; }
within() { awk -v t="$1" -v m="$2" 'BEGIN { exit !(t <= m) }'; }

REPLY='554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using bl.test; listed in bl.test test zone'

# --- a listed client
out=$(smtp 127.0.0.2 data)
is "$(printf '%s\n' "$out" | grep -A1 '^R: 250 2\.1\.0' | sed -n 2p)" "R: $REPLY" \
	"listed client: Postfix's reply at RCPT"
unlike "$out" 'R: 354' "listed client: no DATA"
ok "the reject is logged as Postfix does" grep -qF \
	"NOQUEUE: reject: RCPT from localhost[127.0.0.2]: $REPLY; from=<alice@sender.test> to=<user@example.test> proto=ESMTP helo=<client.sender.test>" \
	"$T/ms/mailsift.log"
like "$(cat "$T/dnsmasq.log")" 'query\[A\] 2\.0\.0\.127\.bl\.test' "dnsmasq was asked the A record"
like "$(cat "$T/dnsmasq.log")" 'query\[TXT\] 2\.0\.0\.127\.bl\.test' "and the TXT record"

# --- clean clients
for src in 127.0.0.1 127.0.0.3; do
	out=$(smtp $src data)
	like "$out" 'R: 250 2\.1\.5 Ok' "clean client $src: RCPT accepted"
	like "$out" 'R: 250 2\.6\.0 Ok' "clean client $src: message accepted"
done
ok "both clean messages delivered" sink_wait sink 2 100
like "$(cat "$T/dnsmasq.log")" 'query\[A\] 3\.0\.0\.127\.bl\.test' "127.0.0.3 was looked up"

# --- a pattern the listing does not match; permit_mynetworks first
ms_stop ms
ms_conf ms 'smtpd_client_restrictions = reject_rbl_client bl.test=127.0.0.[3..5]'
ok "restarted with bl.test=127.0.0.[3..5]" ms_start ms
out=$(smtp 127.0.0.2 rcpt)
like "$out" 'R: 250 2\.1\.5 Ok' "127.0.0.2 is not listed with 127.0.0.[3..5]"
ms_stop ms
ms_conf ms 'mynetworks = 127.0.0.2/32' \
	'smtpd_client_restrictions = permit_mynetworks, reject_rbl_client bl.test'
ok "restarted with 127.0.0.2 in mynetworks" ms_start ms
out=$(smtp 127.0.0.2 rcpt)
like "$out" 'R: 250 2\.1\.5 Ok' "permit_mynetworks comes first"
ms_conf ms 'mynetworks = 10.99.0.0/16'

# --- the DNS server gone: accepted, the failure logged
stop_pid "$DNS_PID"
ms_stop ms
ok "restarted" ms_start ms
n0=$(sink_count sink)
out=$(smtp 127.0.0.2 data)
like "$out" 'R: 250 2\.1\.5 Ok' "DNS down: listed client accepted"
like "$out" 'R: 250 2\.6\.0 Ok' "DNS down: message accepted"
t=$(rcpt_time "$out")
ok "DNS down: RCPT answered in $t s (<= 3)" within "$t" 3
ok "DNS down: delivered" sink_wait sink $((n0 + 1)) 100
like "$(cat "$T/ms/mailsift.log")" 'reject_rbl_client bl\.test: DNS lookup of 2\.0\.0\.127\.bl\.test (failed|timed out); client not rejected' \
	"DNS down: the log names the failure"

# --- a DNS server that never answers
cat >"$T/silent.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
n = 0
while True:
    s.recvfrom(4096)
    n += 1
    open(sys.argv[2], "w").write("%d\n" % n)
PY
spawn silent "$PYTHON" "$T/silent.py" "$P_DNS" "$T/silent.count"
SILENT_PID=$SPAWN_PID
# bound when it says so (a probe binding the port itself would race it)
silent_up() { test -e "$T/silent.count.ready"; }
ok "silent server bound" wait_for "silent server" 50 silent_up
out=$(smtp 127.0.0.2 data)
like "$out" 'R: 250 2\.1\.5 Ok' "silent DNS: listed client accepted"
t=$(rcpt_time "$out")
ok "silent DNS: RCPT answered in $t s (within dns_timeout + 1 s)" within "$t" 3
ok "silent DNS: it did wait for the lookup ($t s >= 1.5)" within 1.5 "$t"
ok "silent DNS: the server was asked" test -s "$T/silent.count"
like "$(cat "$T/ms/mailsift.log")" 'DNS lookup of 2\.0\.0\.127\.bl\.test timed out; client not rejected' \
	"silent DNS: the log names the timeout"
ok "silent DNS: delivered" sink_wait sink $((n0 + 2)) 100
stop_pid "$SILENT_PID"
done_testing
