#!/bin/bash
# 40-crash.t - kill -9 each kind of child (smtpd-in, qmgr, reinject)
# while 200 messages are sent by 8 concurrent clients.  The master
# replaces every one.  Each message is either delivered exactly once
# or answered 4xx (never 250 and lost, never delivered twice); with
# Postfix in front, every message ends up delivered exactly once.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_IN=$(free_port); P_F=$(free_port); P_S=$(free_port)
P_F2=$(free_port); P_S2=$(free_port)

# service_pid NAME SERVICE [busy] - a pid of that service (busy first)
service_pid() {
	ms_ctl "$1" status | awk -v s="$2" '
		$1 == s { n = split($7, p, ","); for (i = 1; i <= n; i++) {
			split(p[i], f, ":"); if (f[2] == "busy") { print f[1]; exit }
			if (!any) any = f[1] } }
		END { if (any) print any }' | head -n 1
}
# kill_when NAME SINK COUNT SERVICE - once SINK holds COUNT, kill -9 one
kill_when() {
	local pid
	wait_for "$3 messages in $2" 600 eval "[ \$(sink_count $2) -ge $3 ]" || return 1
	pid=$(service_pid "$1" "$4")
	[ -n "$pid" ] || return 1
	kill -9 "$pid" && note "killed $4 pid $pid at $(sink_count "$2") messages"
}
restarts() {
	ms_ctl "$1" status | awk -v s="$2" '$1 == s { print $6 }'
}

# --- mailsift alone: the clients' replies are the truth ------------------
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ok "mailsift starts" ms_start ms
loadgen --port "$P_F" --count 200 --concurrency 8 --out "$T/a.tsv" \
	--prefix A --size 4000 --timeout 30 >"$T/lg-a.out" 2>&1 &
LG=$!
ok "kill -9 a busy smtpd-in" kill_when ms sink 30 "127.0.0.1:$P_F"
ok "kill -9 qmgr" kill_when ms sink 70 qmgr
ok "kill -9 a busy reinject" kill_when ms sink 110 reinject
ok "the load generator finishes" wait_for "loadgen" 1200 eval "! pid_alive $LG"
wait "$LG"
# give in-flight deliveries their end, then count
ok "mailsift answers again" wait_for "status" 100 ms_ctl ms status
counts=$(count_seq "$T/sink" A)
bad=$("$PYTHON" - "$T/a.tsv" <<PY
import sys
seen = {}
for line in """$counts""".split("\n"):
    if line.strip():
        s, c = line.split()
        seen[int(s)] = int(c)
bad = []
for line in open(sys.argv[1]):
    i, code, text = line.rstrip("\n").split("\t", 2)
    i, code, n = int(i), int(code), seen.get(int(i), 0)
    if code == 250 and n != 1:
        bad.append("%d: 250 but delivered %d times" % (i, n))
    elif code != 250 and not (code == 0 or 400 <= code < 500):
        bad.append("%d: answered %d %s" % (i, code, text))
    elif n > 1:
        bad.append("%d: delivered %d times" % (i, n))
print("\n".join(bad))
PY
)
is "$bad" "" "every 250 delivered exactly once, every other answer a 4xx, nothing twice"
note "replies: $(results_codes "$T/a.tsv" | tr '\n' ' ')"
for svc in "127.0.0.1:$P_F" qmgr reinject; do
	ok "master replaced $svc" eval "[ \"\$(restarts ms $svc)\" -ge 1 ]"
done
ok "the master logged the crash" grep -qE \
	'service qmgr: process qmgr pid [0-9]+ killed by signal 9' "$T/ms/mailsift.log"

# --- reinject killed while the next hop answers the final dot: qmgr
# holds a copy of the connection and reads the answer itself ----------
sink_mode sink store-slow:2
before=$(sink_count sink)
printf 'Subject: slow hop\r\n\r\nbody\r\n' > "$T/slow.eml"
"$PYTHON" "$MS_TOOLS/smtpsend.py" --port "$P_F" --from a@x.test \
	--to user@example.test "$T/slow.eml" > "$T/slow.out" 2>&1 &
SENDER=$!
ok "the next hop has the message (answer pending)" \
	wait_for "sink" 100 eval "[ \$(sink_count sink) -gt $before ]"
# the reinject process on the other end of the connection that brought it
peer=$(sink_env_get "$(sink_last sink | sed 's/\.eml$/.env/')" 'e["peer"]')
rpid=$(ss -tnpH "sport = :${peer##*:}" | grep -o '"reinject",pid=[0-9]*' | head -n 1 | cut -d= -f2)
ok "kill -9 the reinject waiting for the answer (pid $rpid)" kill -9 "$rpid"
ok "the client gets its answer" wait_for "client" 100 eval "! pid_alive $SENDER"
wait "$SENDER"
like "$(cat "$T/slow.out")" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 ' \
	"250 from the next hop's answer, read by qmgr"
ok "qmgr logged the takeover" grep -q \
	'reinject died after the final dot; the next hop answered qmgr' "$T/ms/mailsift.log"
is "$(sink_count sink)" $((before + 1)) "delivered once"
sink_mode sink normal

# --- Postfix in front: every message delivered exactly once --------------
sink_start sink2 "$P_S2"
ms_setup ms2 "$P_F2" "$P_S2"
ok "second mailsift starts" ms_start ms2
pf_setup pf "$P_IN" "$P_F2"
ok "postfix starts" pf_start pf
loadgen --port "$P_IN" --count 200 --concurrency 8 --out "$T/b.tsv" \
	--prefix B --size 4000 --timeout 30 >"$T/lg-b.out" 2>&1 &
LG=$!
ok "kill -9 smtpd-in" kill_when ms2 sink2 30 "127.0.0.1:$P_F2"
ok "kill -9 qmgr" kill_when ms2 sink2 70 qmgr
ok "kill -9 reinject" kill_when ms2 sink2 110 reinject
ok "the load generator finishes" wait_for "loadgen" 1200 eval "! pid_alive $LG"
wait "$LG"
is "$(results_codes "$T/b.tsv" | tr '\n' ' ')" "250 200 " "Postfix accepted all 200"
ok "Postfix's queue drains after retries" wait_for "postfix queue" 600 \
	eval "pf_flush pf >/dev/null 2>&1; sleep 0.2; pf_queue_empty pf"
ok "each of the 200 delivered exactly once" check_seq "$T/sink2" 200 B
done_testing
