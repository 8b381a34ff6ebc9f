#!/bin/bash
# 70-virus.t - virus scanning (issue 3, test 2): with
# final_virus_destiny = reject, every file of clamav-testfiles, attached
# as base64, inside a zip, inside a tar.gz and inside a forwarded
# message/rfc822, is refused with
#   550 5.7.1 Message content rejected, id=ID - VIRUS: NAME
# and so is EICAR in a text/plain body; nothing of it reaches the next
# hop.  A clean text message and clean files in the same wrappings get
# 250 2.6.0 and arrive with an X-Virus-Scanned: mailsift header.
#
# Database: $MS_TESTDB if set, else tools/mktestdb builds one in $T/db
# (EICAR as Eicar-Test-Signature, the test files as ClamAV-Test-File;
# libclamav adds .UNOFFICIAL to the names of unsigned databases).
# Messages are made by tests/tools/mkvirusmail.py; one SMTP session per
# message (about 185).
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
TESTFILES=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}
[ -f "$TESTFILES/clam.exe" ] || skip_all "clamav-testfiles not installed ($TESTFILES)"
KINDS="base64 zip targz rfc822"

DB=${MS_TESTDB:-}
if [ -z "$DB" ]; then
	DB=$T/db
	ok "tools/mktestdb builds the test database" "$MS_TOP/tools/mktestdb" "$DB" ||
		bail_out "no test database"
fi

# The messages, made in one Python run.
mkdir -p "$T/mail"
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
printf '%s' "$EICAR" >"$T/eicar.com"
printf 'Nothing to see here.\nJust a harmless text file.\n' >"$T/readme.txt"
{
	for f in "$TESTFILES"/*; do
		[ -f "$f" ] || continue
		for k in $KINDS; do
			printf -- '--kind %s --file %q --out %q\n' "$k" "$f" \
				"$T/mail/$k-${f##*/}.eml"
		done
	done
	printf -- '--kind plain --file %q --out %q\n' "$T/eicar.com" "$T/mail/plain-eicar.eml"
	for k in $KINDS; do
		printf -- '--kind %s --file %q --out %q\n' "$k" "$T/eicar.com" "$T/mail/$k-eicar.eml"
		printf -- '--kind %s --file %q --out %q\n' "$k" "$T/readme.txt" "$T/mail/clean-$k.eml"
	done
} >"$T/mail.list"
ok "mkvirusmail.py makes the messages" \
	"$PYTHON" "$MS_TOOLS/mkvirusmail.py" --batch "$T/mail.list"
nfiles=$(find "$TESTFILES" -maxdepth 1 -type f | wc -l)
note "$nfiles test files in $TESTFILES"

P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ms_conf ms "database_directory = $DB" "final_virus_destiny = reject"
ms_master ms "scanner unix y y n - 1 scanner"
ok "mailsift starts with the scanner" ms_start ms || bail_out "mailsift did not start"
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"

# send - send FILE from sender@ to user@example.test, print the reply
send() {
	$SEND --from sender@example.test --to user@example.test "$1" 2>&1
}

# diag_clamscan - on a failure, what clamscan says of the message
diag_clamscan() {
	command -v clamscan >/dev/null 2>&1 || return 0
	diag "clamscan -d $DB: $(clamscan --no-summary -d "$DB" "$1" 2>&1 | tail -n 1)"
}

# header_of - the header section of a stored message
header_of() {
	sed -e '/^\r\{0,1\}$/q' "$1"
}

# 1. A clean text message passes, scanned.
clean=$T/mail/clean.eml
{
	printf 'From: Alice <alice@sender.test>\r\n'
	printf 'To: user@example.test\r\n'
	printf 'Subject: clean message\r\n'
	printf 'Message-ID: <clean-1@sender.test>\r\n'
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=us-ascii\r\n'
	printf '\r\n'
	printf 'Hello, this message carries no virus.\r\n'
} >"$clean"
out=$(send "$clean")
like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 ' "clean message: 250 2.6.0"
ok "clean message: the sink got it" sink_wait sink 1 100
got=$(sink_last sink)
hdr=$(header_of "$got")
like "$hdr" $'(^|\n)X-Virus-Scanned: mailsift' "clean message: X-Virus-Scanned: mailsift header"
like "$hdr" $'(^|\n)X-Virus-Scanned: mailsift at filter\\.example\\.test\r?(\n|$)' \
	"clean message: X-Virus-Scanned names myhostname"
is "$(grep -c '^X-Virus-Scanned:' "$got")" 1 "clean message: one X-Virus-Scanned header"
like "$(tail -c 100 "$got")" 'carries no virus' "clean message: body intact"
delivered=1

# 2. Clean files in the same wrappings pass too (no false positive from
#    the wrappings themselves).
for k in $KINDS; do
	out=$(send "$T/mail/clean-$k.eml")
	if like "$out" '^250 2\.6\.0 ' "clean text file, $k: 250 2.6.0"; then
		delivered=$((delivered + 1))
	fi
done
ok "clean files: all delivered" sink_wait sink "$delivered" 100

# 3. EICAR: in a text/plain body and in each wrapping.
for m in plain $KINDS; do
	f=$T/mail/$m-eicar.eml
	out=$(send "$f")
	like "$out" '^550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: [^ ]*Eicar' \
		"EICAR, $m: 550 5.7.1 ... VIRUS: Eicar..." || diag_clamscan "$f"
done

# 4. Every test file in every wrapping.
start=$(date +%s)
for f in "$TESTFILES"/*; do
	[ -f "$f" ] || continue
	for k in $KINDS; do
		m=$T/mail/$k-${f##*/}.eml
		out=$(send "$m")
		like "$out" '^550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: ClamAV-Test-File' \
			"${f##*/}, $k: 550 5.7.1 ... VIRUS: ClamAV-Test-File" || diag_clamscan "$m"
	done
done
note "$((nfiles * 4)) infected messages in $(($(date +%s) - start)) s"

# Nothing infected went on; nothing stays queued.
is "$(sink_count sink)" "$delivered" "no infected message reached the next hop"
ok "queue is empty afterwards" wait_for "empty queue" 100 \
	eval "ms_ctl ms queue | grep -q '^0 queue files'"
ms_stop ms
is "$STOPPED_STATUS" 0 "mailsiftd stops cleanly"
done_testing
