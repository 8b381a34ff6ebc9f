#!/bin/bash
# 81-spamd.t - the real spamc against the scorer's spamd_listen: PING,
# CHECK (-c), SYMBOLS (-y), REPORT (-R), REPORT_IFSPAM (-r), PROCESS
# (plain spamc), HEADERS (--headers), SKIP; answers consistent with
# the X-Spam-Status the pipeline writes for the same message; spamc's
# exit codes; the spamd port is only there when spamd_listen is set.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
[ -d /usr/share/spamassassin ] || skip_all "no SpamAssassin rules (spamassassin package)"
command -v spamc >/dev/null || skip_all "spamc is not installed"
DATA=$MS_TOP/tests/data/spam
P_F=$(free_port); P_S=$(free_port); P_D=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ms_scorer ms
ms_master ms "\$spamd_listen inet n y n - 2 scorer"
ok "mailsift starts without spamd_listen: the \$spamd_listen line is skipped" ms_start ms
ok "nothing listens on the spamd port" tcp_closed 127.0.0.1 "$P_D"
ms_stop ms
ms_conf ms "spamd_listen = 127.0.0.1:$P_D"
ok "mailsift starts with spamd_listen" ms_start ms
ok "the spamd port listens" wait_tcp 127.0.0.1 "$P_D" 100
SPAMC="spamc -x -d 127.0.0.1 -p $P_D -t 60"

out=$($SPAMC -K 2>&1)
is "$out" "SPAMD/1.5 0" "PING: spamc -K gets PONG"

out=$($SPAMC -c < "$DATA/gtube.eml"); rc=$?
like "$out" '^10[0-9][0-9](\.[0-9])?/5\.0$' "CHECK: spamc -c prints score/required for spam"
is "$rc" 1 "CHECK: exit 1 for spam"
out=$($SPAMC -c < "$DATA/ham-en.eml"); rc=$?
like "$out" '^-?[0-4]\.[0-9]/5\.0$' "CHECK: ham below 5"
is "$rc" 0 "CHECK: exit 0 for ham"

sym=$($SPAMC -y < "$DATA/gtube.eml")
like "$sym" '(^|,)GTUBE(,|$)' "SYMBOLS: spamc -y lists GTUBE"

rep=$($SPAMC -R < "$DATA/gtube.eml")
like "$rep" 'Content analysis details: +\(10[0-9][0-9]\.[0-9] points, 5\.0 required\)' "REPORT: the analysis table"
like "$rep" $'\n1000 GTUBE +' "REPORT: a line per rule with its points"
out=$($SPAMC -r < "$DATA/ham-en.eml")
is "$out" "" "REPORT_IFSPAM: no report for ham"

proc=$($SPAMC < "$DATA/gtube.eml")
like "$proc" $'\nX-Spam-Flag: YES\r?\n' "PROCESS: X-Spam-Flag: YES"
like "$proc" $'\nSubject: \\[SPAM\\] Test spam mail' "PROCESS: rewrite_header Subject [SPAM]"
like "$proc" $'\nX-Spam-Status: Yes, score=10[0-9][0-9]\\.[0-9] required=5\\.0 tests=' "PROCESS: SpamAssassin's X-Spam-Status"
like "$proc" 'XJS\*C4JDBQADN1' "PROCESS: the body follows (report_safe 0)"
hdrs=$($SPAMC --headers < "$DATA/gtube.eml")
like "$hdrs" 'X-Spam-Flag: YES' "HEADERS: spamc puts the new header on the message"
ham=$($SPAMC < "$DATA/ham-en.eml"); rc=$?
like "$ham" $'\nX-Spam-Status: No, score=' "PROCESS: ham gets X-Spam-Status: No"
unlike "$ham" 'X-Spam-Flag' "PROCESS: no X-Spam-Flag for ham"

# consistent with the pipeline: the same rules, the same score
# (the envelope sender is the From: address, as spamc has no envelope)
reply=$($PYTHON "$MS_TOOLS/smtpsend.py" --port "$P_F" --from jonas@example.de --to bob@example.net "$DATA/other-de.eml")
sink_wait sink 1 100
got=$(sink_last sink)
pipe=$("$PYTHON" -c '
import email, re, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
v = " ".join(str(m["X-Spam-Status"]).split())
t = re.search(r"tests=\[(.*?)\]", v).group(1)
print(",".join(sorted(x.split("=")[0].strip() for x in t.split(",") if x.strip())))
print(m["X-Spam-Score"])' "$got")
sym=$($SPAMC -y < "$DATA/other-de.eml" | tr ',' '\n' | sort | paste -sd,)
chk=$($SPAMC -c < "$DATA/other-de.eml")
is "$(echo "$pipe" | head -1)" "$sym" "the pipeline's tests equal spamc -y's ($sym)"
is "$(printf '%.1f' "$(echo "$pipe" | tail -1)")" "${chk%/*}" "the pipeline's score equals spamc -c's"

# raw REQUEST - send REQUEST (Python escapes) to the spamd port, print the reply
raw() {
	"$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
d = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
sys.stdout.write(d.decode("latin-1"))' "$P_D" "$1"
}

# HEADERS on the wire: the header only, spamc adds the body itself
out=$(raw "HEADERS SPAMC/1.5\r\nContent-length: $(wc -c < "$DATA/gtube.eml")\r\n\r\n$(sed 's/\r$/\\r/' "$DATA/gtube.eml" | sed 's/$/\\n/' | tr -d '\n')")
like "$out" '^SPAMD/1\.1 0 EX_OK' "HEADERS on the wire: SPAMD/1.1 0 EX_OK"
unlike "$out" 'XJS\*C4JDBQADN1' "HEADERS on the wire: without the body"

# SKIP and a broken request
out=$(raw 'SKIP SPAMC/1.5\r\n\r\n')
is "$out" "" "SKIP: the connection closes without a reply"
out=$(raw 'FOO SPAMC/1.5\r\n\r\n')
like "$out" '^SPAMD/1\.0 76 ' "an unknown method: SPAMD/1.0 76 (EX_PROTOCOL)"

# procmail piping through spamc, as sites do with spamd
if command -v procmail >/dev/null; then
	H=$T/home
	mkdir -p "$H/Maildir/cur" "$H/Maildir/new" "$H/Maildir/tmp"
	printf '%s\n' 'MAILDIR=$HOME/Maildir/' 'DEFAULT=$HOME/Maildir/' ':0fw' \
		"| spamc -x -d 127.0.0.1 -p $P_D" ':0' '* ^X-Spam-Flag: YES' '.spams/' > "$T/spamc.rc"
	for f in gtube ham-en; do
		procmail -m HOME="$H" "$T/spamc.rc" < "$DATA/$f.eml"
	done
	is "$(ls "$H/Maildir/.spams/new" 2>/dev/null | wc -l)" 1 "procmail | spamc: the spam goes to .spams/"
	is "$(ls "$H/Maildir/new" | wc -l)" 1 "procmail | spamc: the ham stays in the inbox"
else
	skip "procmail is not installed" 2
fi

# report_safe 1: spam comes back wrapped, the original attached
printf 'report_safe 1\n' >> "$T/ms/conf/local.cf"
ok "reload with report_safe 1" ms_ctl ms reload
out=
for i in $(seq 100); do
	out=$($SPAMC < "$DATA/gtube.eml")
	case $out in *x-spam-type=original*) break ;; esac
	sleep 0.1
done
like "$out" 'Content-Type: multipart/mixed; boundary=' "report_safe 1: a multipart wrapper"
like "$out" 'Content-Type: message/rfc822; x-spam-type=original' "report_safe 1: the original as message/rfc822"
like "$out" 'Content analysis details:' "report_safe 1: the report part"
is "$(printf '%s\n' "$out" | grep -c 'XJS\*C4JDBQADN1')" 1 "report_safe 1: the original body once, inside the attachment"
out=$($SPAMC < "$DATA/ham-en.eml")
unlike "$out" 'multipart/mixed' "report_safe 1: ham is not wrapped"

done_testing
