#!/bin/bash
# 82-spam-adversarial.t - hostile mail against the scorer, through the
# pipeline: a 50-level nested multipart, a 10 MB single-line body,
# invalid and unknown charsets, and a local rule built to backtrack on a
# long line.  Each is delivered, scored (X-Spam-Status) in bounded time,
# the runaway rule is stopped at its match limit and logged, and no
# scorer dies.  Also: a scorer killed -9 mid-message leaves the message
# unscored but delivered, and a missing scorer never holds mail.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
[ -d /usr/share/spamassassin ] || skip_all "no SpamAssassin rules (spamassassin package)"
DATA=$MS_TOP/tests/data/spam
P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
{ cat "$MS_TOP/conf/local.cf"; printf '%s\n' \
	'body     MS_BACKTRACK  /(?:a|aa)+(?:a|aa)+[cd]/' \
	'describe MS_BACKTRACK  a pattern that backtracks exponentially' \
	'score    MS_BACKTRACK  1.0' \
	'body     MS_PLAIN      /exponential guard/' \
	'score    MS_PLAIN      0.5'; } > "$T/local.cf"
ms_scorer ms "$T/local.cf"
# the virus scanner would call the 50 levels UNCHECKED: not its test here
ms_conf ms "score_time_limit = 20s" "regex_match_limit = 200000" \
	"message_size_limit = 20M" "bypass_virus_checks = ." "bypass_banned_checks = ."
ok "mailsift starts" ms_start ms
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"
n=0

# run NAME FILE MAXSECONDS - deliver FILE, check it is scored in time
run() {
	local t0 t1 reply got
	t0=$(date +%s.%N)
	reply=$($SEND --from a@example.com --to bob@example.net "$2")
	t1=$(date +%s.%N)
	n=$((n + 1))
	like "$reply" '^250 2\.6\.0 ' "$1: accepted and delivered"
	sink_wait sink "$n" 300
	got=$(sink_last sink)
	like "$(sed -n '1,/^\r$/p' "$got")" $'\r\nX-Spam-Status: (Yes|No),' "$1: scored"
	ok "$1: within $3 s ($(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s)" \
		eval "[ \$(echo '$t1 - $t0 < $3' | bc) = 1 ]"
	last=$got
}

# 50 nested multiparts, text at the bottom
"$PYTHON" - "$T/nested.eml" <<'EOF'
import sys
d = 50
h = "From: a@example.com\r\nTo: bob@example.net\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
h += 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
body = ""
for i in range(d):
    body += "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i, i + 1)
body += "--b%d\r\nContent-Type: text/plain\r\n\r\nexponential guard at the bottom\r\n--b%d--\r\n" % (d, d)
for i in range(d - 1, -1, -1):
    body += "--b%d--\r\n" % i
open(sys.argv[1], "w", newline="").write(h + body)
EOF
run "50-level nested multipart" "$T/nested.eml" 20

# 10 MB on one line
"$PYTHON" - "$T/long.eml" <<'EOF'
import sys
h = "From: a@example.com\r\nTo: bob@example.net\r\nSubject: one long line\r\n\r\n"
open(sys.argv[1], "w", newline="").write(h + "exponential guard " + "x" * (10 * 1024 * 1024) + "\r\n")
EOF
run "10 MB single-line body" "$T/long.eml" 30

# charsets: unknown, invalid bytes for the declared one, RFC 2047 garbage
"$PYTHON" - "$T/charset.eml" <<'EOF'
import sys
m = (b"From: =?x-no-such-charset?B?////?= <a@example.com>\r\n"
     b"To: bob@example.net\r\nSubject: =?utf-8?Q?bad=FF=FE=C3?= =?iso-2022-jp?B?GyRC?=\r\n"
     b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"x\"\r\n\r\n"
     b"--x\r\nContent-Type: text/plain; charset=x-unknown-garbage\r\n\r\nexponential guard \xff\xfe\x80\r\n"
     b"--x\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     b"/////w==\r\n"
     b"--x\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xd8\x00\xd8\x00\x00\r\n"
     b"--x--\r\n")
open(sys.argv[1], "wb").write(m)
EOF
run "invalid and unknown charsets" "$T/charset.eml" 20
like "$(sed -n '1,/^\r$/p' "$last")" 'MS_PLAIN' "invalid charsets: the body rules still see the text"

# a line of a's: MS_BACKTRACK runs away, the limit stops it
"$PYTHON" - "$T/backtrack.eml" <<'EOF'
import sys
h = "From: a@example.com\r\nTo: bob@example.net\r\nSubject: backtrack\r\n\r\n"
# "cat 123456" gives the patterns' last characters somewhere, so a
# quick look at the whole text cannot rule them out: they must run (and
# each ends in a class, so PCRE2 has no required character to look for)
open(sys.argv[1], "w", newline="").write(h + "exponential guard\r\n\r\ncat 123456\r\n\r\n" + "a" * 3000 + "\r\n")
EOF
run "a regex built to backtrack" "$T/backtrack.eml" 20
hdr=$(sed -n '1,/^\r$/p' "$last")
like "$hdr" 'MS_PLAIN' "backtracking: the other rules still ran"
unlike "$hdr" 'MS_BACKTRACK' "backtracking: the runaway rule counts as no hit"
like "$(ms_log ms)" 'MS_BACKTRACK' "the log names the rule that hit its match limit"

unlike "$(ms_log ms)" 'scorer\[[0-9]+\]: .*(fatal|panic|signal)' "no scorer crashed"

# a scorer killed in the middle of a message: delivered unscored.  A
# match limit this high makes the backtracking rules keep it busy.
for i in 1 2 3 4 5 6; do
	printf 'body MS_SLOW%d /(?:a|aa)+(?:a|aa)+[%dx]/\nscore MS_SLOW%d 0.1\n' "$i" "$i" "$i"
done >> "$T/ms/conf/local.cf"
ms_conf ms "regex_match_limit = 100000000" "score_time_limit = 120s"
ok "reload with slow rules" ms_ctl ms reload
# busy_scorer - the pid of a scorer serving a client
busy_scorer() {
	ms_ctl ms status | awk '$1 == "scorer" { n = split($7, p, ",");
		for (i = 1; i <= n; i++) { split(p[i], f, ":");
			if (f[2] == "busy") { print f[1]; exit } } }'
}
wait_for "the new scorers" 300 bash -c "[ \$(grep -c 'rules from' $T/ms/mailsift.log) -ge 2 ]"
$SEND --from a@example.com --to bob@example.net "$T/backtrack.eml" > "$T/out" &
spid=$!
pid=
for i in $(seq 300); do
	pid=$(busy_scorer)
	[ -n "$pid" ] && break
	sleep 0.05
done
ok "a scorer is busy with the slow message" test -n "$pid"
[ -n "$pid" ] && kill -KILL "$pid"
wait "$spid"
like "$(cat "$T/out")" '^250 2\.6\.0 ' "scorer killed -9: the message is still delivered"
like "$(ms_log ms)" 'not scored for spam: the scorer closed the connection' "and the log says it was not scored"

done_testing
