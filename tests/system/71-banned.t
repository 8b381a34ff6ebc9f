#!/bin/bash
# 71-banned.t - banned attachments (issue 3, test 3) and what cannot be
# checked (part of test 5).
#
# With final_banned_destiny = reject and the default banned_filename_table
# (conf/banned_filename_table, copied into the instance's conf dir, the
# default relative name), these get
#   550 5.7.1 Message content rejected, id=ID - BANNED: REASON
# (REASON names the file): an .exe (a harmless generated MZ/PE image), a
# double extension invoice.pdf.exe, an .exe inside a zip inside a zip, a
# .scr whose name is only given RFC 2231-encoded, and an MZ/PE image named
# photo.jpg (banned by content).  A PDF, a text attachment and
# report.combined.txt (which the tutorial's regexp wrongly banned as .com)
# pass: 250 2.6.0, delivered.
#
# Then a zip bomb (8 zips of 1 GiB of zeros each: over max_scan_size) and
# a 30-level nested zip (over archive_max_recursion): with
# final_unchecked_destiny = tempfail they get
#   451 4.5.0 Error in processing, id=ID - UNCHECKED: WHY
# (amavisd-new's " - "; the issue spec wrote ", UNCHECKED": both pass)
# each within 60 s, and nothing is delivered; with
# final_unchecked_destiny = pass (mailsift restarted) they are delivered.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
LIMIT=60	# seconds allowed for one bomb

DB=${MS_TESTDB:-}
if [ -z "$DB" ]; then
	DB=$T/db
	ok "tools/mktestdb builds the test database" "$MS_TOP/tools/mktestdb" "$DB" ||
		bail_out "no test database"
fi

# Harmless payloads: a minimal PE image (MZ, e_lfanew -> "PE\0\0"), a
# minimal PDF, a text file.
"$PYTHON" - "$T" <<'EOF'
import sys
d = sys.argv[1]
img = bytearray(0x100)
img[0:2] = b"MZ"
img[0x3c] = 0x80
img[0x80:0x84] = b"PE\0\0"
open(d + "/pe.bin", "wb").write(bytes(img))
open(d + "/min.pdf", "wb").write(
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n")
open(d + "/notes.txt", "wb").write(b"Just some notes.\nNothing else.\n")
EOF
mkdir -p "$T/mail"
cat >"$T/mail.list" <<EOF
--kind base64 --file $T/pe.bin --name setup.exe --out $T/mail/exe.eml
--kind base64 --file $T/min.pdf --name invoice.pdf.exe --type application/pdf --out $T/mail/pdfexe.eml
--kind zipzip --file $T/pe.bin --name evil.exe --archive-name bundle.zip --out $T/mail/zipzip.eml
--kind rfc2231 --file $T/notes.txt --name 'photo du mois.scr' --out $T/mail/scr.eml
--kind base64 --file $T/pe.bin --name photo.jpg --out $T/mail/jpg.eml
--kind base64 --file $T/min.pdf --name report.pdf --out $T/mail/pdf.eml
--kind base64 --file $T/notes.txt --name notes.txt --out $T/mail/txt.eml
--kind base64 --file $T/notes.txt --name report.combined.txt --out $T/mail/combined.eml
--kind zipbomb --out $T/mail/bomb.eml
--kind nested --depth 30 --out $T/mail/nested.eml
EOF
ok "mkvirusmail.py makes the messages" \
	"$PYTHON" "$MS_TOOLS/mkvirusmail.py" --batch "$T/mail.list"
ok "the zip bomb message is small" eval "[ \$(wc -c <'$T/mail/bomb.eml') -lt 1000000 ]"

P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
cp "$MS_TOP/conf/banned_filename_table" "$T/ms/conf/banned_filename_table"
ms_conf ms "database_directory = $DB" "final_banned_destiny = reject" \
	"final_unchecked_destiny = tempfail"
ms_master ms "scanner unix y y n - 1 scanner"
ok "mailsift starts with the scanner" ms_start ms || bail_out "mailsift did not start"
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"
BANNED='^550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - BANNED: '

# send - send FILE from sender@ to user@example.test, print the reply
send() {
	$SEND --from sender@example.test --to user@example.test "$1" 2>&1
}

# 1. Banned.
out=$(send "$T/mail/exe.eml")
like "$out" "${BANNED}.*setup\\.exe" "setup.exe (MZ/PE): BANNED"
out=$(send "$T/mail/pdfexe.eml")
like "$out" "${BANNED}.*invoice\\.pdf\\.exe" "invoice.pdf.exe: BANNED"
out=$(send "$T/mail/zipzip.eml")
like "$out" "${BANNED}.*evil\\.exe" ".exe in a zip in a zip: BANNED"
out=$(send "$T/mail/scr.eml")
like "$out" "${BANNED}.*photo du mois\\.scr" "RFC 2231 encoded .scr name: BANNED (decoded name)"
out=$(send "$T/mail/jpg.eml")
like "$out" "${BANNED}.*photo\\.jpg" "MZ/PE named photo.jpg: BANNED by content"
is "$(sink_count sink)" 0 "nothing banned reached the next hop"

# 2. Not banned.
for m in pdf:report.pdf txt:notes.txt combined:report.combined.txt; do
	out=$(send "$T/mail/${m%%:*}.eml")
	like "$out" '^250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 ' "${m#*:}: not banned, 250 2.6.0"
done
ok "the three clean messages were delivered" sink_wait sink 3 100
like "$(grep -l 'report.combined.txt' "$T"/sink/*.eml 2>/dev/null)" 'eml' \
	"report.combined.txt delivered (the tutorial's .com bug is fixed)"

# timed_send - send FILE; sets OUT (the reply) and SECS (the time it took)
timed_send() {
	local t0 t1
	t0=$(date +%s%N)
	OUT=$(send "$1")
	t1=$(date +%s%N)
	SECS=$(((t1 - t0) / 1000000000))
	note "$(basename "$1"): ${SECS}.$(printf '%03d' $(((t1 - t0) / 1000000 % 1000))) s: $OUT"
}

# 3. Unchecked, tempfail: the zip bomb and the 30-level nested zip.
UNCHECKED='^451 4\.5\.0 Error in processing, id=[0-9A-F]+(,| -) UNCHECKED: '
before=$(sink_count sink)
timed_send "$T/mail/bomb.eml"
like "$OUT" "$UNCHECKED" "zip bomb, tempfail: 451 4.5.0 ... UNCHECKED"
ok "zip bomb, tempfail: answered in under $LIMIT s (${SECS} s)" test "$SECS" -lt "$LIMIT"
timed_send "$T/mail/nested.eml"
like "$OUT" "$UNCHECKED" "30-level nested zip, tempfail: 451 4.5.0 ... UNCHECKED"
ok "nested zip, tempfail: answered in under $LIMIT s (${SECS} s)" test "$SECS" -lt "$LIMIT"
is "$(sink_count sink)" "$before" "tempfailed messages were not delivered"

# 4. Unchecked, pass: the same messages are delivered.
ms_stop ms
is "$STOPPED_STATUS" 0 "mailsiftd stops cleanly"
ms_conf ms "final_unchecked_destiny = pass"
ok "mailsift restarts with final_unchecked_destiny = pass" ms_start ms ||
	bail_out "mailsift did not restart"
timed_send "$T/mail/bomb.eml"
like "$OUT" '^250 2\.6\.0 ' "zip bomb, pass: 250 2.6.0"
ok "zip bomb, pass: answered in under $LIMIT s (${SECS} s)" test "$SECS" -lt "$LIMIT"
timed_send "$T/mail/nested.eml"
like "$OUT" '^250 2\.6\.0 ' "30-level nested zip, pass: 250 2.6.0"
ok "nested zip, pass: answered in under $LIMIT s (${SECS} s)" test "$SECS" -lt "$LIMIT"
ok "both delivered" sink_wait sink $((before + 2)) 100
like "$(grep -l 'test zipbomb' "$T"/sink/*.eml 2>/dev/null)" 'eml' "the zip bomb was delivered"
like "$(grep -l 'test nested' "$T"/sink/*.eml 2>/dev/null)" 'eml' "the nested zip was delivered"

ok "queue is empty afterwards" wait_for "empty queue" 100 \
	eval "ms_ctl ms queue | grep -q '^0 queue files'"
ms_stop ms
is "$STOPPED_STATUS" 0 "mailsiftd stops cleanly"
done_testing
