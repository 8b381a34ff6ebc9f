#!/bin/bash
# 86-spam-net.t - the scorer's network tests in the pipeline, against real
# peers on loopback: dnsmasq serving test copies of the zen.spamhaus.org
# and multi.uribl.com zones (a relay listed in zen gets the stock
# RCVD_IN_SBL, a URI domain listed in multi.uribl.com gets URIBL_BLACK),
# a real pyzord (a message reported with the real pyzor client gets
# PYZOR_CHECK, an unreported one does not); with the DNS and Pyzor
# servers stopped, or replaced by servers that never answer, mail is
# still scored and delivered, and waits at most the configured timeouts.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
[ -d /usr/share/spamassassin ] || skip_all "no SpamAssassin rules (spamassassin package)"
command -v dnsmasq >/dev/null || skip_all "no dnsmasq (dnsmasq-base package)"
command -v pyzord >/dev/null || skip_all "no pyzord (pyzor package)"
P_F=$(free_port); P_S=$(free_port); P_DNS=$(free_port); P_PYZ=$(free_port)

# --- the peers ---------------------------------------------------------
cat >"$T/dnsmasq.conf" <<EOF
port=$P_DNS
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
no-negcache
local=/zen.spamhaus.org/
local=/multi.uribl.com/
host-record=44.33.22.11.zen.spamhaus.org,127.0.0.2
txt-record=44.33.22.11.zen.spamhaus.org,"listed in the test copy of zen"
host-record=spammy-shop.com.multi.uribl.com,127.0.0.2
pid-file=$T/dnsmasq.pid
log-facility=$T/dnsmasq.log
log-queries
EOF
start_dns() {
	spawn dnsmasq dnsmasq --conf-file="$T/dnsmasq.conf" --keep-in-foreground \
		--user=root --group=root
	DNS_PID=$SPAWN_PID
	wait_for "dnsmasq answers" 50 bash -c \
		"dig +short +time=1 +tries=1 @127.0.0.1 -p $P_DNS 44.33.22.11.zen.spamhaus.org A | grep -q 127.0.0.2"
}
ok "dnsmasq serves the test zones" start_dns

mkdir -p "$T/pyzord" "$T/pyzor"
echo "127.0.0.1:$P_PYZ" > "$T/pyzor/servers"
start_pyzord() {
	spawn pyzord pyzord --homedir "$T/pyzord" -a 127.0.0.1 -p "$P_PYZ" \
		--log-file="$T/pyzord.log"
	PYZ_PID=$SPAWN_PID
	wait_for "pyzord answers" 100 pyzor --homedir "$T/pyzor" -t 1 ping
}
ok "pyzord runs on loopback" start_pyzord

# --- mailsift with the network tests on -------------------------------
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
cp "$MS_TOP/conf/local.cf" "$T/local.cf"
# the test relay must count as external: only loopback is ours
printf 'trusted_networks 127.0.0.0/8\n' >> "$T/local.cf"
ms_scorer ms "$T/local.cf"
ms_conf ms "spam_network_tests = yes" "dns_servers = 127.0.0.1:$P_DNS" \
	"pyzor_servers = 127.0.0.1:$P_PYZ" "dns_timeout = 3s" "pyzor_timeout = 2s"
ok "mailsift starts with network tests on" ms_start ms
wait_for "a scorer has loaded its rules" 300 grep -q "rules from" "$T/ms/mailsift.log"
like "$(grep 'rules from' "$T/ms/mailsift.log" | head -1)" 'score set [13] .*network tests on' \
	"the scorer uses a network score set"
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"
n=0
deliver() {
	local t0
	t0=$(date +%s%N)
	reply=$($SEND --from "${2:-sender@example.com}" --to bob@example.net "$1")
	n=$((n + 1))
	sink_wait sink "$n" 200 || return 1
	took_ms=$((($(date +%s%N) - t0) / 1000000))
	got=$(sink_last sink)
}
status() {
	"$PYTHON" -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(" ".join(str(m.get("X-Spam-Status", "")).split()))' "$got"
}

# msg FILE IP URL BODY - a message relayed to our MX by IP, with URL
msg() {
	cat >"$1" <<EOF
Received: from mail.sender.example (mail.sender.example [$2])
	by mx.example.net (Postfix) with ESMTP id 4F2A01C0;
	Fri, 27 Nov 2026 10:00:00 +0100 (CET)
From: Sender <news@sender.example>
To: bob@example.net
Subject: our offer of the week
Date: Fri, 27 Nov 2026 09:59:58 +0100
Message-ID: <$RANDOM.$2@sender.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

$4
Have a look at $3 for the details of this week's selection.

Regards
EOF
	sed -i 's/$/\r/' "$1"
}

# --- 1. DNS lists ------------------------------------------------------
msg "$T/listed.eml" 11.22.33.44 "http://www.spammy-shop.com/offer" \
	"We have prepared a selection of products for you this week."
deliver "$T/listed.eml"
like "$(status)" 'RCVD_IN_SBL=' "a relay listed in (the test copy of) zen gets RCVD_IN_SBL"
like "$(status)" 'URIBL_BLACK=' "a URI domain listed in multi.uribl.com gets URIBL_BLACK"
like "$(cat "$T/dnsmasq.log")" '44\.33\.22\.11\.zen\.spamhaus\.org' "the relay was looked up in zen"

msg "$T/clean.eml" 11.22.33.45 "http://www.clean-shop.com/offer" \
	"Our autumn catalogue is out, with a few new products."
deliver "$T/clean.eml"
unlike "$(status)" 'RCVD_IN_SBL|URIBL_BLACK' "an unlisted relay and domain get neither rule"
like "$(status)" '^No, score=' "and the message is scored"

# --- 2. Pyzor ----------------------------------------------------------
msg "$T/reported.eml" 11.22.33.46 "http://www.other-shop.com/x" \
	"Unbeatable prices on replica watches, this week only, order now."
for i in 1 2 3 4 5 6; do
	pyzor --homedir "$T/pyzor" report < "$T/reported.eml" >/dev/null 2>&1
done
like "$(pyzor --homedir "$T/pyzor" check < "$T/reported.eml")" "	6	0" \
	"the real pyzor client reported the message 6 times"
deliver "$T/reported.eml"
like "$(status)" 'PYZOR_CHECK=' "a message reported to pyzord gets PYZOR_CHECK"
deliver "$T/clean.eml"
unlike "$(status)" 'PYZOR_CHECK' "an unreported message does not"

# --- 3. peers gone -----------------------------------------------------
stop_pid "$DNS_PID"
stop_pid "$PYZ_PID"
deliver "$T/listed.eml"
like "$reply" '^250 ' "DNS and Pyzor servers stopped: mail is still accepted"
like "$(status)" '^No, score=' "and scored"
unlike "$(status)" 'RCVD_IN_SBL|URIBL_BLACK|PYZOR_CHECK' "with no network rule"
ok "a stopped server (port closed) costs less than the timeouts ($took_ms ms)" \
	test "$took_ms" -lt 5000

# servers that never answer: the wait is bounded by the timeouts
cat >"$T/silent.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recv(65536)
EOF
spawn silent-dns "$PYTHON" "$T/silent.py" "$P_DNS"
spawn silent-pyzor "$PYTHON" "$T/silent.py" "$P_PYZ"
wait_for "the silent servers are bound" 50 bash -c \
	"ss -uln | grep -q ':$P_DNS ' && ss -uln | grep -q ':$P_PYZ '"
deliver "$T/clean.eml"
like "$(status)" '^No, score=' "silent DNS and Pyzor servers: the message is still scored"
ok "and waits about the timeouts (3 s DNS, 2 s Pyzor, together), not more: $took_ms ms" \
	test "$took_ms" -ge 1500 -a "$took_ms" -lt 6000
like "$(grep 'timed out' "$T/ms/mailsift.log" | tail -1)" 'network tests timed out' \
	"the scorer's log says the network tests timed out"
ok "mailsift stops cleanly" ms_stop ms
done_testing
