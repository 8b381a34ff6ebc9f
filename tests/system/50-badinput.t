#!/bin/bash
# 50-badinput.t - hostile or broken SMTP input gets the right code and
# the daemons stay up: garbage commands, 1000+ recipients, an oversize
# message, bare LF, NUL bytes, a 100 KB line, a silent client, DATA
# before RCPT, pipelining abuse.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ms_conf ms 'message_size_limit = 200000' 'read_timeout = 2s'
ok "mailsift starts" ms_start ms
qmgr_before=$(ms_ctl ms status | awk '$1 == "qmgr" { print $7 }')
raw() { "$PYTHON" "$MS_TOOLS/rawsmtp.py" "$P_F"; }

out=$(raw <<'S'
line FOO bar
read
line MAIL
read
line RCPT TO:<a@example.test>
read
line DATA
read
line MAIL FROM:<a@example.test> BOGUS=1
read
line MAIL FROM:<a b@example.test>
read
line MAIL FROM:<a@example.test> BODY=9BIT
read
line MAIL FROM:<a@example.test>
read
line MAIL FROM:<b@example.test>
read
line DATA
read
line RCPT TO:<>
read
line RCPT TO:<user@example.test> NOTIFY=SOMETIMES
read
line RSET
read
line
read
line QUIT
read
S
)
like "$out" 'R: 502 5\.5\.2 Error: command not recognized' "unknown command: 502"
like "$out" 'R: 501 5\.5\.4 Syntax: MAIL FROM:<address>' "MAIL without argument: 501"
like "$out" 'R: 503 5\.5\.1 Error: need MAIL command' "RCPT before MAIL: 503"
like "$out" 'R: 555 5\.5\.4 Unsupported option: BOGUS' "unknown MAIL parameter: 555"
like "$out" 'R: 501 5\.1\.7 Bad sender address syntax' "bad sender: 501 5.1.7"
like "$out" 'R: 501 5\.5\.4 Bad BODY parameter syntax' "bad BODY: 501"
like "$out" 'R: 503 5\.5\.1 Error: nested MAIL command' "nested MAIL: 503"
like "$out" 'R: 503 5\.5\.1 Error: need RCPT command' "DATA before RCPT: 503"
like "$out" 'R: 501 5\.1\.3 Bad recipient address syntax' "RCPT TO:<>: 501"
like "$out" 'R: 501 5\.5\.4 Bad NOTIFY parameter syntax' "bad NOTIFY: 501"
like "$out" 'R: 500 5\.5\.2 Error: bad syntax' "empty line: 500"
like "$out" 'R: 221 2\.0\.0 Bye' "QUIT: 221"

# 1001 recipients: 1000 accepted, then 452; the message goes to 1000
out=$({ echo "line EHLO x.test"; echo "read"; echo "line MAIL FROM:<a@example.test>"; echo "read"
	for i in $(seq 1001); do echo "line RCPT TO:<r$i@example.test>"; done
	echo "read 1001"; echo "line DATA"; echo "read"
	echo "line Subject: many"; echo "line"; echo "line hi"; echo "line ."; echo "read"; } | raw)
is "$(printf '%s\n' "$out" | grep -c '^R: 250 2\.1\.5 Ok')" 1000 "1000 recipients accepted"
like "$(printf '%s\n' "$out" | grep -v '2\.1\.5 Ok')" 'R: 452 4\.5\.3 Error: too many recipients' "the 1001st gets 452 4.5.3"
like "$(printf '%s\n' "$out" | tail -n 1)" 'R: 250 2\.6\.0 Ok, id=' "the message with 1000 recipients is delivered"
ok "sink got it with 1000 recipients" sink_wait sink 1 100
is "$(sink_env_get "$(sink_last sink | sed 's/\.eml$/.env/')" 'len(e["rcpts"])')" 1000 "all 1000 relayed"

# oversize: announced with SIZE, and not announced
out=$(raw <<'S'
line EHLO x.test
read
line MAIL FROM:<a@example.test> SIZE=300000
read
line MAIL FROM:<a@example.test>
read
line RCPT TO:<user@example.test>
read
line DATA
read
repeat 3000 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
line .
read
line NOOP
read
S
)
like "$out" 'R: 250-SIZE 200000' "EHLO announces SIZE"
like "$out" 'R: 552 5\.3\.4 Message size exceeds fixed limit' "SIZE= too big: 552 5.3.4"
like "$out" 'R: 552 5\.3\.4 Error: message file too big' "oversize data: 552 5.3.4"
like "$out" 'R: 250 2\.0\.0 Ok$' "session goes on after the oversize message"

# NUL bytes and a 100 KB line in the data: delivered intact
before=$(sink_count sink)
out=$(raw <<'S'
line EHLO x.test
read
line MAIL FROM:<a@example.test>
read
line RCPT TO:<user@example.test>
read
line DATA
read
line Subject: nul and long line
line
line nul:\x00:here
big 100000 y
line .
read
S
)
like "$out" 'R: 250 2\.6\.0 Ok, id=' "message with NUL and a 100 KB line accepted"
ok "delivered" sink_wait sink $((before + 1)) 50
f=$(sink_last sink)
ok "the NUL byte is kept" eval "grep -qaP 'nul:\\x00:here' '$f'"
ok "the 100 KB line is kept whole" "$PYTHON" -c 'import sys; sys.exit(b"\r\n" + b"y" * 100000 + b"\r\n" not in open(sys.argv[1], "rb").read())' "$f"

# a 100 KB command line, NUL in a command
out=$(raw <<'S'
big 100000 N
read
line NO\x00OP
read
line NOOP
read
S
)
like "$out" 'R: 500 5\.5\.2 Error: line too long' "100 KB command: 500 line too long"
like "$out" 'R: 500 5\.5\.2 Error: bad syntax' "NUL in a command: 500"
like "$out" 'R: 250 2\.0\.0 Ok' "the session survives"

# bare LF: in a command and in the data
out=$(printf 'send MAIL FROM:<a@example.test>\\n\nread\nread\n' | raw)
like "$out" 'R: 521 5\.5\.2 filter\.example\.test Error: bare <LF> received' "bare LF in a command: 521"
like "$out" 'CLOSED' "and the connection is closed"
before=$(sink_count sink)
out=$(raw <<'S'
line MAIL FROM:<a@example.test>
read
line RCPT TO:<user@example.test>
read
line DATA
read
send Subject: smuggle\r\n\r\nline one\n.\nMAIL FROM:<evil@example.test>\r\n.\r\n
read
read
S
)
like "$out" 'R: 521 5\.5\.2 .*bare <LF> received' "bare LF in the data: 521"
unlike "$out" '250 2\.6\.0' "nothing accepted"
is "$(sink_count sink)" "$before" "nothing delivered"

# a client that stops talking
start=$(date +%s)
out=$(printf 'line EHLO x.test\nread\nread\n' | raw)
elapsed=$(( $(date +%s) - start ))
like "$out" 'R: 421 4\.4\.2 filter\.example\.test Error: timeout exceeded' "silent client: 421 timeout"
ok "after about read_timeout (2 s), took ${elapsed}s" eval "[ $elapsed -ge 1 ] && [ $elapsed -le 6 ]"

# pipelining abuse: everything in one write, the recipient refused,
# the message text then read as commands until the error limit
out=$({ printf 'send EHLO x.test\\r\\nMAIL FROM:<a@example.test>\\r\\nRCPT TO:<bad address>\\r\\nDATA\\r\\n'
	for i in $(seq 30); do printf 'text line %d\\r\\n' "$i"; done
	printf '.\\r\\n\n'; echo drain; } | raw)
like "$out" 'R: 554 5\.5\.1 Error: no valid recipients' "DATA with no valid recipient: 554"
like "$out" 'R: 421 4\.7\.0 filter\.example\.test Error: too many errors' "then 421 too many errors"
like "$out" 'CLOSED' "and the connection is closed"

# the daemons are still the same and still work
ok "a normal message still passes" send_mail "$P_F" --from a@example.test --to user@example.test
is "$(ms_ctl ms status | awk '$1 == "qmgr" { print $7 }' | cut -d: -f1)" \
	"$(printf '%s' "$qmgr_before" | cut -d: -f1)" "qmgr was never restarted"
is "$(ms_ctl ms status | awk '$1 ~ /^127/ || $1 == "qmgr" || $1 == "reinject" { s += $6 } END { print s }')" 0 \
	"no child died"
done_testing
