#!/bin/bash
# 15-virus-policy.t - the tutorial's two telnet sessions replayed against
# mailsift: a clean message gets "250 2.6.0 Ok, id=..., from MTA: 250 ...",
# the EICAR message gets the reply of each destiny (reject, discard,
# bounce with a DSN, pass with a header, tempfail); the quarantine keeps
# discarded and bounced mail (list, release, delete), virus_admin is
# told, bypass_virus_checks lets a recipient have it; a scanner killed
# with -9 mid-scan gives 451 and is restarted.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ok "mailsift starts with the scanner" ms_start ms
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"

# scanner_ready N - the Nth scanner start has logged "ready"
scanner_ready() {
	wait_for "scanner start $1" 100 bash -c \
		"[ \$(grep -c 'scanner\[[0-9]*\]: ready:' $T/ms/mailsift.log) -ge $1 ]"
}

# The tutorial's sessions, typed as in the tutorial (bare commands).
printf 'Subject: Test\r\n\r\nCeci est un test.\r\n\r\n' > "$T/clean.eml"
printf 'Subject: Test avec un empreinte de virus\r\n\r\n%s\r\n\r\n' \
	'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' \
	> "$T/eicar.eml"

out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/clean.eml")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 2\.0\.0 Ok: queued as S[0-9]+$' \
	"clean message: 250 2.6.0 Ok, id=..., from MTA: 250 ..."
ok "the clean message is delivered" sink_wait sink 1 50
got=$(sink_last sink)
like "$(cat "$got")" $'\r\nX-Virus-Scanned: mailsift at filter\\.example\\.test\r\n' \
	"delivered mail carries X-Virus-Scanned: mailsift"
unlike "$(cat "$got")" 'X-Mailsift-Alert' "no alert on clean mail"

# default destiny: bounce
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml")
like "$out" '^250 2\.5\.0 Ok, id=[0-9A-F]+, BOUNCE$' "bounce: 250 2.5.0 Ok, id=..., BOUNCE"
bid=$(printf '%s' "$out" | sed -n 's/.*id=\([0-9A-F]*\),.*/\1/p')
ok "the DSN reached the sink" sink_wait sink 2 50
dsn=$(sink_last sink)
is "$(sink_env_get "${dsn%.eml}.env" 'e["mail_from"]')" "" "the DSN comes from <>"
is "$(sink_env_get "${dsn%.eml}.env" 'e["rcpts"][0]["addr"]')" "foo@momonux.org" \
	"the DSN goes to the envelope sender"
body=$(cat "$dsn")
like "$body" 'Content-Type: multipart/report; report-type=delivery-status' "the DSN is a multipart/report"
like "$body" 'Final-Recipient: rfc822; bar@momonux\.org' "the DSN names the recipient"
like "$body" 'Diagnostic-Code: smtp; 550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: Eicar' \
	"the DSN names the virus"
like "$body" 'Subject: Test avec un empreinte de virus' "the DSN carries the original header"
unlike "$body" 'EICAR-STANDARD' "the DSN does not carry the virus"
# the null sender gets no DSN
n=$(sink_count sink)
out=$($SEND --from "" --to bar@momonux.org "$T/eicar.eml")
like "$out" '^250 2\.7\.1 Ok, discarded' "bounce from <>: discarded, no DSN"
sleep_ok=$(sink_count sink)
is "$sleep_ok" "$n" "nothing was sent for the null sender"

# the quarantine has the bounced message
q=$(ms_ctl ms quarantine list)
like "$q" "$bid .*foo@momonux\.org.*VIRUS: Eicar" "quarantine list shows the bounced message"

ms_conf ms 'final_virus_destiny = reject'
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 2
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml")
like "$out" '^550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: Eicar' \
	"reject: 550 5.7.1 Message content rejected, id=... - VIRUS: NAME"

ms_conf ms 'final_virus_destiny = discard' 'virus_admin = postmaster@example.test'
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 3
n=$(sink_count sink)
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml")
like "$out" '^250 2\.7\.1 Ok, discarded, id=[0-9A-F]+ - VIRUS: Eicar' \
	"discard: 250 2.7.1 Ok, discarded, id=... - VIRUS: NAME"
did=$(printf '%s' "$out" | sed -n 's/.*id=\([0-9A-F]*\) .*/\1/p')
ok "virus_admin gets a notice" sink_wait sink $((n + 1)) 50
notice=$(sink_last sink)
is "$(sink_env_get "${notice%.eml}.env" 'e["rcpts"][0]["addr"]')" "postmaster@example.test" \
	"the notice goes to virus_admin"
like "$(cat "$notice")" 'Subject: VIRUS: Eicar[^ ]* in mail from <foo@momonux\.org>' "the notice names virus and sender"

# bypass: one recipient wants everything, the other is protected
ms_conf ms 'bypass_virus_checks = @lovers.test'
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 4
n=$(sink_count sink)
out=$($SEND --from foo@momonux.org --to bar@momonux.org --to fan@lovers.test "$T/eicar.eml")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 .*, but 1 DISCARD$' \
	"bypass: delivered to the lover, discarded for the other"
ok "one copy delivered (and a notice)" sink_wait sink $((n + 2)) 50
got=$(grep -l 'EICAR-STANDARD' "$T"/sink/*.eml | tail -n 1)
is "$(sink_env_get "${got%.eml}.env" '",".join(r["addr"] for r in e["rcpts"])')" "fan@lovers.test" \
	"only the lover got the infected copy"
like "$(cat "$got")" 'X-Mailsift-Alert: INFECTED, message contains virus: Eicar' \
	"the passed copy names the virus"

# pass for everybody
ms_conf ms 'final_virus_destiny = pass' 'bypass_virus_checks ='
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 5
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 ' "pass: delivered"
ok "the passed copy arrives" sink_wait sink $(($(sink_count sink))) 50
got=$(sink_last sink)
is "$(grep -c '^Subject: ' "$got")" 1 "one Subject: line"
like "$(cat "$got")" $'\r\nSubject: \\*\\*\\*INFECTED\\*\\*\\* Test avec un empreinte de virus\r\n' \
	"its Subject is tagged ***INFECTED***"
like "$(cat "$got")" $'virus\r\n\r\nX5O!P%@AP' "the body follows the edited header unchanged"

# quarantine: list, release to the original recipient, delete
q=$(ms_ctl ms quarantine list)
like "$q" "$did " "the discarded message is in the quarantine"
n=$(sink_count sink)
out=$(ms_ctl ms quarantine release "$did")
like "$out" '250 ' "release delivers it"
ok "the released copy arrives" sink_wait sink $((n + 1)) 50
got=$(sink_last sink)
is "$(sink_env_get "${got%.eml}.env" 'e["rcpts"][0]["addr"]')" "bar@momonux.org" \
	"released to the original recipient"
ok "delete" ms_ctl ms quarantine delete "$did"
unlike "$(ms_ctl ms quarantine list)" "$did " "deleted from the quarantine"
ms_ctl ms quarantine delete "$did" >/dev/null 2>&1
isnt "$?" 0 "deleting it again fails"

# status and stats
st=$(ms_ctl ms status)
like "$st" 'scanner: [0-9]+ signatures' "status shows the signature count"
like "$st" 'threads [0-9]+ busy' "status shows the scanner threads"
like "$(ms_ctl ms stats)" 'viruses: [1-9]' "stats count viruses"

# a scanner killed mid-scan: 451, and the master starts a new one
ms_conf ms 'final_virus_destiny = reject'
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 6
spid=$(sed -n 's/.*scanner\[\([0-9]*\)\]: ready:.*/\1/p' "$T/ms/mailsift.log" | tail -n 1)
ok "the scanner pid is known" test -n "$spid"
# one message first, so that qmgr's connection is accepted by this scanner
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/clean.eml")
like "$out" '^250 2\.6\.0' "a clean message before the kill"
kill -STOP "$spid"
$SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml" > "$T/killed.out" &
sendpid=$!
nfrom=$(grep -c 'from=<foo@momonux.org>' "$T/ms/mailsift.log")
ok "the message is being scanned" wait_for "commit" 50 bash -c \
	"[ \$(grep -c 'from=<foo@momonux.org>' $T/ms/mailsift.log) -gt $nfrom ]"
kill -9 "$spid"; kill -CONT "$spid" 2>/dev/null
wait "$sendpid"
like "$(cat "$T/killed.out")" '^451 4\.5\.0 Error in processing, id=[0-9A-F]+ - UNCHECKED' \
	"scanner killed mid-scan: 451 4.5.0"
ok "the master restarts the scanner" scanner_ready 7
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/eicar.eml")
like "$out" '^550 5\.7\.1 Message content rejected' "the new scanner works"

# a virus that forges its sender gets no DSN (no backscatter): its
# bounce becomes a discard
ms_conf ms 'final_virus_destiny = bounce' 'viruses_that_fake_sender = ^eicar'
ok "reload" ms_ctl ms reload
ok "a new scanner is ready" scanner_ready 8
n=$(sink_count sink)
out=$($SEND --from victim@innocent.test --to bar@momonux.org "$T/eicar.eml")
like "$out" '^250 2\.7\.1 Ok, discarded, id=[0-9A-F]+ - VIRUS: Eicar' \
	"a sender-faking virus: discarded instead of bounced"
ok "logged as such" grep -q 'forges senders: no DSN' "$T/ms/mailsift.log"
out=$($SEND --from foo@momonux.org --to bar@momonux.org "$T/clean.eml")
ok "a clean message after it" sink_wait sink $((n + 1)) 50
ok "and no DSN went to the forged sender" bash -c \
	"! grep -l 'victim@innocent' $T/sink/*.env"
done_testing
