#!/bin/bash
# 30-nexthop.t - the next hop down, slow, tempfailing or rejecting:
# the client gets 451 (retry) or the next hop's 5xx, never a false 250;
# with Postfix in front a message deferred while the hop was down is
# delivered exactly once after the hop comes back.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_IN=$(free_port); P_F=$(free_port); P_S=$(free_port)
ms_setup ms "$P_F" "$P_S"
ms_conf ms 'smtp_data_done_timeout = 3s' 'smtp_connect_timeout = 3s'
ok "mailsift starts" ms_start ms
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"
printf 'Subject: hop test\r\n\r\nbody\r\n' > "$T/m.eml"

out=$($SEND --from a@x.test --to user@example.test "$T/m.eml")
like "$out" '^451 4\.4\.1 Error, id=[0-9A-F]+: cannot connect to next hop' "hop down: 451 4.4.1"

sink_start sink "$P_S"
sink_mode sink tempfail
out=$($SEND --from a@x.test --to user@example.test "$T/m.eml")
like "$out" '^451 4\.3\.0 Temporary failure, id=[0-9A-F]+, from MTA: 451 4\.3\.0' "hop 4xx: 451 with its reason"
sink_mode sink reject
out=$($SEND --from a@x.test --to user@example.test "$T/m.eml")
like "$out" '^550 5\.7\.1 Rejected, id=[0-9A-F]+, from MTA: 550 5\.7\.1 sink: rejected' "hop 5xx: the same 5xx"
sink_mode sink "rcpt-reject:user2@example.test"
out=$($SEND --from a@x.test --to user@example.test --to user2@example.test "$T/m.eml")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 2\.0\.0 Ok: queued as S[0-9]+, but 1 BOUNCE$' \
	"SMTP, one of two recipients refused: 250 ..., but 1 BOUNCE"
ok "the accepted copy and the DSN reached the sink" sink_wait sink 2 50
dsn=$(sink_last sink)
is "$(sink_env_get "${dsn%.eml}.env" 'e["mail_from"]')" "" "the DSN comes from the null sender"
is "$(sink_env_get "${dsn%.eml}.env" 'e["rcpts"][0]["addr"]')" "a@x.test" "the DSN goes to the sender"
body=$(cat "$dsn")
like "$body" 'Content-Type: multipart/report; report-type=delivery-status' "DSN is a multipart/report"
like "$body" 'Final-Recipient: rfc822; user2@example\.test' "DSN names the refused recipient"
like "$body" $'Action: failed\r\nStatus: 5\.1\.1' "DSN action and status"
like "$body" 'Diagnostic-Code: smtp; 550 5\.1\.1' "DSN has the next hop's reply"
like "$body" 'Subject: hop test' "DSN has the original headers"
# the null sender never gets a DSN
out=$($SEND --from "" --to user@example.test --to user2@example.test "$T/m.eml")
like "$out" '^250 2\.6\.0 Ok, id=.*, but 1 BOUNCE$' "null sender: 250, refused recipient dropped"
ok "no DSN to the null sender (only the accepted copy arrived)" sink_wait sink 3 50
is "$(sink_count sink)" 3 "exactly one more message"
sink_mode sink slow:6
out=$($SEND --from a@x.test --to user@example.test "$T/m.eml")
like "$out" '^451 4\.4\.2 Error, id=[0-9A-F]+: timeout talking to next hop' "hop too slow: 451 4.4.2 timeout"
sink_mode sink normal
sink_stop sink

# Postfix in front, hop down: deferred, then delivered once
pf_setup pf "$P_IN" "$P_F"
ok "postfix starts" pf_start pf
ok "swaks to postfix" send_mail "$P_IN" --from alice@sender.test --to user@example.test \
	--header 'Subject: deferred then delivered'
ok "postfix defers it with mailsift's 451" wait_for "deferral" 150 \
	eval "pf_log pf | grep -q 'status=deferred.*451 4\.4\.1 Error, id='"
ok "message still in Postfix's queue" eval "! pf_queue_empty pf"
sink_start sink2 "$P_S"
ok "postqueue -f" pf_flush pf
ok "delivered after the hop came back" sink_wait sink2 1 150
ok "postfix queue drains" pf_wait_queue_empty pf 100
pf_flush pf
ok "still exactly one copy" eval "[ \"\$(sink_count sink2)\" = 1 ]"
done_testing
