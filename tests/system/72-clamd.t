#!/bin/bash
# 72-clamd.t - mailsift's scanner speaks clamd's protocol on local_socket
# exactly as clamd does (issue 3, item 4).  A real clamd ("ref") and
# mailsift ("peer") load the same database (tools/mktestdb) with the same
# limits (4 threads, 1M stream limit, no self check); then
#  - the real clamdscan, pointed at each socket by a clamd.conf, scans the
#    same samples (EICAR, clamav-testfiles, a clean file, an empty one,
#    mails with attachments, a zip, a directory tree) in every mode:
#    plain paths (CONTSCAN), --fdpass, --stream, --allmatch, --multiscan
#    (also with --fdpass/--stream: IDSESSION), "-" on stdin, --ping,
#    --version, --reload: exit status, stdout and stderr must be equal;
#  - a raw client (tests/tools/clamd_client.py) sends single commands
#    (z/n/legacy forms, SCAN/CONTSCAN/MULTISCAN/ALLMATCHSCAN on paths,
#    INSTREAM around the size limit, FILDES with and without a descriptor,
#    STATS, IDSESSION, unknown commands, RELOAD as freshclam sends it):
#    the replies must be equal byte for byte;
#  - RELOAD (legacy form) every 0.4 s while 8 clients scan by INSTREAM and
#    FILDES without pause and .ndb files are added/touched in the database
#    directory: no scan may fail or get a wrong verdict, and a signature
#    added half-way must take effect.
# Normalised, because they cannot be equal: the daemon's descriptor number
# in "fd[N]:" and the numbers in STATS; the order of MULTISCAN and
# IDSESSION replies (clamd's own order varies), which are sorted.  Every
# check first matches clamd's own answer against what the protocol says,
# so a broken setup cannot pass by both sides failing alike.
# CLAMD72_PEER=clamd runs a second real clamd as the peer (a check of the
# test itself: everything must pass).
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
for p in clamd clamdscan sigtool; do
	command -v "$p" >/dev/null 2>&1 || skip_all "$p is not installed (clamav-daemon, clamdscan)"
done
[ -f /usr/share/clamav-testfiles/clam.exe ] || skip_all "clamav-testfiles is not installed"

PEER=${CLAMD72_PEER:-mailsift}
LF=$'\n'
CLIENT=$MS_TOOLS/clamd_client.py
S=$T/samples
declare -A SOCKS=([ref]=$T/clamd.sock [peer]=$T/ms.sock)

# ------------------------------------------------------------ helpers

# on SIDE cmd... - run cmd with CONF (a clamdscan clamd.conf) and SOCK set
# for SIDE (ref or peer)
on() {
	local CONF=$T/$1-client.conf SOCK=${SOCKS[$1]}
	shift
	"$@"
}

# cds args... - the real clamdscan against $CONF, without the summary
cds() {
	clamdscan --config-file="$CONF" --no-summary "$@"
}

# raw steps... - the raw client against $SOCK ($RAW_OPTS: --sort, --fdnorm)
raw() {
	# shellcheck disable=SC2086 # RAW_OPTS is a word list
	"$PYTHON" "$CLIENT" --timeout 5 ${RAW_OPTS:-} "$SOCK" "$@"
}

# sorted cmd... - cmd's stdout, lines sorted; cmd's exit status
sorted() {
	"$@" | LC_ALL=C sort
	return "${PIPESTATUS[0]}"
}

# fdnorm cmd... - cmd's stdout with "fd[NUM]" written "fd[N]"
fdnorm() {
	"$@" | sed -E 's/^fd\[[0-9]+\]/fd[N]/'
	return "${PIPESTATUS[0]}"
}

# numnorm cmd... - cmd's stdout with every number written N (not the
# "\0" of the raw client's escapes)
numnorm() {
	"$@" | sed -E ':a; s/(^|[^\\0-9.])[0-9]+(\.[0-9]+)?/\1N/; ta'
	return "${PIPESTATUS[0]}"
}

# statsnorm cmd... - numnorm, without the per-thread lines of STATS
# ("\tIDLE 0.1 ", "\tSTATS 0.0 ": one a thread, in no fixed order)
statsnorm() {
	numnorm "$@" | grep -v '^\\t'
}

# transcript cmd... - "exit N", stdout, "--- stderr", stderr of cmd
transcript() {
	local out rc
	out=$("$@" 2>"$T/.stderr")
	rc=$?
	printf 'exit %s\n%s\n--- stderr\n%s' "$rc" "$out" "$(cat "$T/.stderr")"
}

# _differ DESC REF PEER - fail DESC and show the difference
_differ() {
	fail "$1"
	diag "$PEER differs from clamd (- clamd, + $PEER):"
	diag "$(diff -u --label clamd --label "$PEER" <(printf '%s\n' "$2") \
		<(printf '%s\n' "$3") | tail -n +3 | head -n 60)"
}

# same DESC cmd... - cmd's transcript against the peer equals the one
# against clamd (kept in REF for further checks)
same() {
	local desc=$1 got
	shift
	REF=$(on ref transcript "$@")
	got=$(on peer transcript "$@")
	if [ "$got" == "$REF" ]; then
		pass "$desc"
	else
		_differ "$desc" "$REF" "$got"
	fi
}

# check DESC ERE cmd... - clamd's stdout for cmd matches ^(ERE)$ (checks
# the test), and the peer's is the same byte for byte
check() {
	local desc=$1 want=$2 got
	shift 2
	REF=$(on ref "$@" 2>/dev/null)
	got=$(on peer "$@" 2>/dev/null)
	if ! [[ $REF =~ ^($want)$ ]]; then
		fail "$desc"
		diag "clamd's own answer is not what the test expects:" \
			"         got: '$REF'" "    expected: /^($want)\$/"
	elif [ "$got" == "$REF" ]; then
		pass "$desc"
	else
		_differ "$desc" "$REF" "$got"
	fi
}

# count_lines TEXT ERE - number of lines of TEXT matching ERE
count_lines() {
	printf '%s\n' "$1" | grep -cE -- "$2"
}

# start_clamd NAME SOCKET - a real clamd on the test database, stopped at exit
start_clamd() {
	local d=$T/$1
	mkdir -p "$d/tmp"
	cat >"$d/clamd.conf" <<EOF
DatabaseDirectory $T/db
LocalSocket $2
Foreground yes
LogFile $d/clamd.log
LogTime yes
TemporaryDirectory $d/tmp
SelfCheck 0
MaxThreads 4
StreamMaxLength 2M
EOF
	spawn "$1" clamd --config-file="$d/clamd.conf"
	wait_for "clamd $1 on $2" 300 \
		eval "[ -S '$2' ] && clamdscan --config-file='$d/clamd.conf' --ping 1" || {
		diag "$(tail -n 20 "$d/clamd.log" "$T/$1.out" 2>&1)"
		return 1
	}
}

# ------------------------------------------------------------ samples

# shellcheck disable=SC2016 # literal
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
mkdir -p "$S/testfiles" "$S/sub/deeper" "$S/sub/clean"
printf '%s' "$EICAR" >"$S/eicar.com"
printf 'clean\n' >"$S/clean.txt"
: >"$S/empty"
{
	printf 'A text file with the test string on a line of its own.\n\n'
	printf '%s\n' "$EICAR"
	seq 1 200 | sed 's/^/filler line /'
} >"$S/eicar-in-text.txt"
cp /usr/share/clamav-testfiles/* "$S/testfiles/"
printf 'nothing here\n' >"$S/sub/clean2.txt"
printf 'nothing here either\n' >"$S/sub/clean/ok.txt"
printf '%s' "$EICAR" >"$S/sub/deeper/eicar2.com"
"$PYTHON" - "$S" <<'EOF'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/eicar.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.write(d + "/eicar.com", "eicar.com")
    z.write(d + "/clean.txt", "clean.txt")
EOF

# mail FILE NAME TYPE - a MIME mail with a text part and FILE attached (base64)
mail() {
	printf 'From: a@x.test\nTo: user@example.test\nSubject: %s\n' "$2"
	printf 'Message-ID: <%s@x.test>\nMIME-Version: 1.0\n' "$2"
	printf 'Content-Type: multipart/mixed; boundary="=-b"\n\n'
	printf -- '--=-b\nContent-Type: text/plain\n\nSee the attachment.\n\n'
	printf -- '--=-b\nContent-Type: %s; name="%s"\n' "$3" "$2"
	printf 'Content-Disposition: attachment; filename="%s"\n' "$2"
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 -w 76 <"$1"
	printf -- '\n--=-b--\n'
}
mail /usr/share/clamav-testfiles/clam.exe clam.exe application/octet-stream >"$S/mail-clamexe.eml"
mail "$S/eicar.com" eicar.com application/octet-stream >"$S/mail-eicar.eml"
mail "$S/clean.txt" notes.txt text/plain >"$S/mail-clean.eml"
{
	printf 'From: b@y.test\nTo: user@example.test\nSubject: Fwd: clam.exe\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="=-f"\n\n'
	printf -- '--=-f\nContent-Type: text/plain\n\nForwarded.\n\n'
	printf -- '--=-f\nContent-Type: message/rfc822\n\n'
	cat "$S/mail-clamexe.eml"
	printf -- '\n--=-f--\n'
} >"$S/mail-fwd.eml"
# files given one by one; the infected ones and the clean ones
INFECTED=("$S/eicar.com" "$S/eicar-in-text.txt" "$S/eicar.zip" "$S/mail-clamexe.eml"
	"$S/mail-eicar.eml" "$S/mail-fwd.eml" "$S/testfiles"/*)
CLEAN=("$S/clean.txt" "$S/empty" "$S/mail-clean.eml")
FILES=("${INFECTED[@]}" "${CLEAN[@]}")
# the whole tree holds one more infected file (and two clean ones) in sub/
N_INFECTED_TREE=$((${#INFECTED[@]} + 1))
chmod -R a+rX "$T"

ok "tools/mktestdb builds the database" "$MS_TOP/tools/mktestdb" "$T/db"

# ------------------------------------------------------------ daemons

printf 'LocalSocket %s\n' "${SOCKS[ref]}" >"$T/ref-client.conf"
printf 'LocalSocket %s\n' "${SOCKS[peer]}" >"$T/peer-client.conf"
ok "clamd starts" start_clamd clamd "${SOCKS[ref]}" || { done_testing; exit; }

if [ "$PEER" = clamd ]; then
	ok "second clamd starts (CLAMD72_PEER=clamd)" start_clamd peer "${SOCKS[peer]}" ||
		{ done_testing; exit; }
else
	ok "bin/scanner is built" test -x "$MS_BIN/scanner" || { done_testing; exit; }
	P_F=$(free_port); P_N=$(free_port)
	ms_setup ms "$P_F" "$P_N"
	ms_master ms "scanner unix y y n - 1 scanner"
	ms_conf ms "database_directory = $T/db" "local_socket = ${SOCKS[peer]}" \
		"max_threads = 4" "stream_max_length = 2M" "self_check = 0"
	ok "mailsift starts" ms_start ms || { done_testing; exit; }
	ok "mailsift's scanner answers clamdscan --ping on local_socket" \
		wait_for "scanner on ${SOCKS[peer]}" 300 \
		eval "[ -S '${SOCKS[peer]}' ] && on peer cds --ping 1" ||
		{ diag "$(tail -n 30 "$T/ms/mailsift.log")"; done_testing; exit; }
fi

# ------------------------------------------------------------ clamdscan

cd "$T" || bail_out "cd $T"
same "clamdscan FILE... (CONTSCAN of each path)" cds "${FILES[@]}"
like "$REF" "(^|$LF)$S/eicar\.com: Eicar-Test-Signature(\.UNOFFICIAL)? FOUND" \
	"clamd: EICAR found (the samples and database are right)"
ok "clamd: all ${#INFECTED[@]} infected samples found, ${#CLEAN[@]} clean ones OK" eval \
	"[ $(count_lines "$REF" ' FOUND$') = ${#INFECTED[@]} ] && [ $(count_lines "$REF" ': OK$') = ${#CLEAN[@]} ]"
same "clamdscan --fdpass FILE..." cds --fdpass "${FILES[@]}"
same "clamdscan --stream FILE..." cds --stream "${FILES[@]}"
same "clamdscan --allmatch FILE..." cds --allmatch "${FILES[@]}"
same "clamdscan DIR (CONTSCAN of a tree)" cds "$S"
ok "clamd: the tree has $N_INFECTED_TREE infected files" eval \
	"[ $(count_lines "$REF" ' FOUND$') = $N_INFECTED_TREE ]"
same "clamdscan --fdpass DIR" cds --fdpass "$S"
same "clamdscan --stream DIR" cds --stream "$S"
same "clamdscan --allmatch DIR (ALLMATCHSCAN)" cds --allmatch "$S"
same "clamdscan --multiscan DIR (MULTISCAN; sorted)" sorted cds --multiscan "$S"
ok "clamd: MULTISCAN found $N_INFECTED_TREE" eval \
	"[ $(count_lines "$REF" ' FOUND$') = $N_INFECTED_TREE ]"
same "clamdscan --multiscan --fdpass DIR (IDSESSION + FILDES; sorted)" \
	sorted cds --multiscan --fdpass "$S"
same "clamdscan --multiscan --stream DIR (IDSESSION + INSTREAM; sorted)" \
	sorted cds --multiscan --stream "$S"
same "clamdscan --multiscan FILE... (sorted)" sorted cds --multiscan "${FILES[@]}"
same "clamdscan on a missing file" cds "$T/no-such-file" "$S/eicar.com"
same "clamdscan --fdpass on a missing file" cds --fdpass "$T/no-such-file"
for f in eicar.com clean.txt empty mail-clamexe.eml testfiles/clam.zip; do
	same "clamdscan - <$f (FILDES of stdin; fd[N])" \
		fdnorm eval "cds - <'$S/$f'"
	same "cat $f | clamdscan - (INSTREAM)" eval "cat '$S/$f' | cds -"
	same "clamdscan --stream - <$f" eval "cds --stream - <'$S/$f'"
done
like "$(on peer cds - <"$S/eicar.com")" '^fd\[[0-9]+\]: Eicar-Test-Signature' \
	"$PEER: stdin by FILDES is reported as fd[NUM]"
same "clamdscan --ping 1" cds --ping 1
same "clamdscan --version (VERSION)" cds --version
same "clamdscan --reload (zRELOAD)" cds --reload

# ------------------------------------------------------------ raw protocol

check "zPING" 'PONG\\0' raw 'send:zPING\0'
check "nPING" 'PONG\\n' raw 'send:nPING\n'
check "PING (legacy, no terminator)" 'PONG\\n' raw 'send:PING'
check "PING (legacy, LF)" 'PONG\\n' raw 'send:PING\n'
check "PING (legacy), then end of input" 'PONG\\n' raw 'send:PING' shut
check "zPING without its NUL, then end of input: no reply" '' raw 'send:zPING' shut
check "nVERSION" 'ClamAV 1\.4\.[0-9]+(/[0-9]+/[^\\]*)?\\n' raw 'send:nVERSION\n'
check "zVERSION" 'ClamAV 1\.4\.[0-9]+(/[0-9]+/[^\\]*)?\\0' raw 'send:zVERSION\0'
check "VERSION (legacy)" 'ClamAV [^\\]*\\n' raw 'send:VERSION'
VC='ClamAV 1\.4\.[0-9]+(/[^|]*)?\| COMMANDS: SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN'
check "zVERSIONCOMMANDS" "$VC\\\\0" raw 'send:zVERSIONCOMMANDS\0'
check "nVERSIONCOMMANDS" "$VC\\\\n" raw 'send:nVERSIONCOMMANDS\n'
check "VERSIONCOMMANDS (legacy: needs a prefix)" 'UNKNOWN COMMAND\\n' raw 'send:VERSIONCOMMANDS\n'
check "zFOO: unknown command" 'UNKNOWN COMMAND\\0' raw 'send:zFOO\0'
check "nFOO: unknown command" 'UNKNOWN COMMAND\\n' raw 'send:nFOO\n'
check "FOO (legacy): unknown command" 'UNKNOWN COMMAND\\n' raw 'send:FOO'
check "zping: commands are case-sensitive" 'UNKNOWN COMMAND\\0' raw 'send:zping\0'
check "zPINGX" 'UNKNOWN COMMAND\\0' raw 'send:zPINGX\0'
check "zPING with a trailing space" 'UNKNOWN COMMAND\\0' raw 'send:zPING \0'
check "zSCAN without a path" 'UNKNOWN COMMAND\\0' raw 'send:zSCAN\0'
check "zEND outside a session" 'UNKNOWN COMMAND\\0' raw 'send:zEND\0'
check "nPING with CR LF (the CR is dropped)" 'PONG\\n' raw 'send:nPING\r\n'
check "zVERSION with an argument" 'UNKNOWN COMMAND\\0' raw 'send:zVERSION extra\0'
check "zPING twice outside a session: one answer, then a close" 'PONG\\0' raw 'send:zPING\0zPING\0'
check "zDETSTATS (listed, does nothing in 1.4): no reply" '' raw 'send:zDETSTATS\0'
check "zDETSTATSCLEAR: no reply" '' raw 'send:zDETSTATSCLEAR\0'
check "STATS (legacy, LF)" 'UNKNOWN COMMAND\\n' raw 'send:STATS\n'
check "IDSESSION (legacy)" 'UNKNOWN COMMAND\\n' raw 'send:IDSESSION\n'

E='Eicar-Test-Signature(\.UNOFFICIAL)? FOUND'
C='ClamAV-Test-File(\.UNOFFICIAL)? FOUND'
check "zSCAN infected file" "$S/eicar\\.com: $E\\\\0" raw "send:zSCAN $S/eicar.com\\0"
check "nSCAN clean file" "$S/clean\\.txt: OK\\\\n" raw "send:nSCAN $S/clean.txt\\n"
check "SCAN (legacy) mail with clam.exe attached" "$S/mail-clamexe\\.eml: $C\\\\n" \
	raw "send:SCAN $S/mail-clamexe.eml"
check "zSCAN forwarded mail (message/rfc822)" "$S/mail-fwd\\.eml: $C\\\\0" \
	raw "send:zSCAN $S/mail-fwd.eml\\0"
check "zSCAN empty file" "$S/empty: OK\\\\0" raw "send:zSCAN $S/empty\\0"
check "zSCAN missing file" \
	"$T/nothing: File path check failure: No such file or directory\\. ERROR\\\\0" \
	raw "send:zSCAN $T/nothing\\0"
check "zSCAN a directory (stops at the first hit)" "$S/[^\\]*: [^\\]* FOUND\\\\0" \
	raw "send:zSCAN $S\\0"
check "zSCAN a subtree" "$S/sub/deeper/eicar2\\.com: $E\\\\0" raw "send:zSCAN $S/sub\\0"
FOUNDLINE="$S/[^\\]*: [^\\]* FOUND"
check "zCONTSCAN a tree" "($FOUNDLINE\\\\0$LF)+$FOUNDLINE\\\\0" raw "send:zCONTSCAN $S\\0"
is "$(count_lines "$REF" ' FOUND\\0$')" "$N_INFECTED_TREE" "clamd: CONTSCAN reports each infected file"
check "nCONTSCAN a clean directory, trailing slash" "$S/sub/clean: OK\\\\n" \
	raw "send:nCONTSCAN $S/sub/clean/\\n"
check "zSCAN FILE/ (trailing slash dropped)" "$S/clean\\.txt: OK\\\\0" raw "send:zSCAN $S/clean.txt/\\0"
check "zSCAN DIR//../DIR/FILE (path kept as given)" "$S//sub/\\.\\./eicar\\.com: $E\\\\0" \
	raw "send:zSCAN $S//sub/../eicar.com\\0"
check "zSCAN 'FILE ' (the space is part of the path)" \
	"$S/clean\\.txt : File path check failure: No such file or directory\\. ERROR\\\\0" \
	raw "send:zSCAN $S/clean.txt \\0"
check "zMULTISCAN a tree (sorted)" "($FOUNDLINE\\\\0$LF)+$FOUNDLINE\\\\0" \
	sorted raw "send:zMULTISCAN $S\\0"
check "zMULTISCAN a clean directory" "$S/sub/clean: OK\\\\0" raw "send:zMULTISCAN $S/sub/clean\\0"
# clamd runs ALLMATCHSCAN as SCAN over a tree: it stops after the first
# infected file (in inode order), which may match one signature or more
check "zALLMATCHSCAN a tree" "($FOUNDLINE\\\\0$LF)*$FOUNDLINE\\\\0" raw "send:zALLMATCHSCAN $S\\0"
is "$(printf '%s\n' "$REF" | sed 's/: [^:]* FOUND.*//' | sort -u | wc -l)" 1 \
	"clamd: ALLMATCHSCAN of a tree reports one file"
check "zALLMATCHSCAN a file" "$S/eicar-in-text\\.txt: $E\\\\0" \
	raw "send:zALLMATCHSCAN $S/eicar-in-text.txt\\0"

# INSTREAM
check "zINSTREAM EICAR in one chunk" "stream: $E\\\\0" \
	raw 'send:zINSTREAM\0' "chunks:$S/eicar.com" endstream
check "zINSTREAM EICAR in 1-byte chunks" "stream: $E\\\\0" \
	raw 'send:zINSTREAM\0' "chunks:$S/eicar.com:1" endstream
check "nINSTREAM clean file" 'stream: OK\\n' raw 'send:nINSTREAM\n' "chunks:$S/clean.txt" endstream
check "zINSTREAM nothing" 'stream: OK\\0' raw 'send:zINSTREAM\0' endstream
check "zINSTREAM mail with clam.exe attached" "stream: $C\\\\0" \
	raw 'send:zINSTREAM\0' "chunks:$S/mail-clamexe.eml:1000" endstream
check "zINSTREAM zip" "stream: $E\\\\0" raw 'send:zINSTREAM\0' "chunks:$S/eicar.zip" endstream
check "zINSTREAM exactly StreamMaxLength (2M)" 'stream: OK\\0' \
	raw 'send:zINSTREAM\0' zeros:2097152 endstream
check "zINSTREAM one byte over StreamMaxLength" 'INSTREAM size limit exceeded\. ERROR\\0' \
	raw 'send:zINSTREAM\0' zeros:2097153 endstream
check "zINSTREAM 5M in 1M chunks" 'INSTREAM size limit exceeded\. ERROR\\0' \
	raw 'send:zINSTREAM\0' zeros:5242880:1048576 endstream
check "zINSTREAM a chunk length of 2^32-1" 'INSTREAM size limit exceeded\. ERROR\\0' \
	raw 'send:zINSTREAM\0' 'send:\xff\xff\xff\xff'
check "zINSTREAM cut short by the end of input: no reply" '' \
	raw 'send:zINSTREAM\0' "chunks:$S/eicar.com" shut
check "INSTREAM (legacy: needs a prefix)" 'UNKNOWN COMMAND\\n' raw 'send:INSTREAM\n'

# FILDES
RAW_OPTS=--fdnorm check "zFILDES infected (fd[N])" "fd\\[N\\]: $E\\\\0" \
	raw 'send:zFILDES\0' "fd:$S/eicar.com"
RAW_OPTS=--fdnorm check "nFILDES clean" 'fd\[N\]: OK\\n' raw 'send:nFILDES\n' "fd:$S/clean.txt"
RAW_OPTS=--fdnorm check "zFILDES mail" "fd\\[N\\]: $C\\\\0" raw 'send:zFILDES\0' "fd:$S/mail-fwd.eml"
RAW_OPTS=--fdnorm check "zFILDES a directory" 'fd\[N\]: Not a regular file ERROR\\0' \
	raw 'send:zFILDES\0' "fd:$S/sub"
check "nFILDES without a descriptor" '(No file descriptor received|FILDES: didn.t receive file descriptor)\. ERROR\\n' \
	raw 'send:nFILDES\n' byte
check "zFILDES without a descriptor" '(No file descriptor received|FILDES: didn.t receive file descriptor)\. ERROR\\0' \
	raw 'send:zFILDES\0' byte
check "nFILDES and a byte in one packet, no descriptor" \
	'(No file descriptor received|FILDES: didn.t receive file descriptor)\. ERROR\\n' raw 'send:nFILDES\nX'
check "zFILDES, then end of input: no reply" '' raw 'send:zFILDES\0' shut
check "zIDSESSION: FILDES without a descriptor" \
	'1: (No file descriptor received|FILDES: didn.t receive file descriptor)\. ERROR\\0' \
	raw 'send:zIDSESSION\0' 'send:zFILDES\0' byte 'send:zEND\0'
raw_fd=$(on peer raw 'send:zFILDES\0' "fd:$S/clean.txt")
like "$raw_fd" '^fd\[[0-9]+\]: OK\\0$' "$PEER: FILDES names the descriptor fd[NUM]"

# STATS (the numbers are the daemon's own)
STATS_RE='POOLS: N\\n
\\n
STATE: VALID PRIMARY\\n
THREADS: live N  idle N max N idle-timeout N\\n
QUEUE: N items\\n
\\n
MEMSTATS: [^\\]*\\n
END'
check "zSTATS (numbers normalised, thread lines left out)" "$STATS_RE\\\\0" statsnorm raw 'send:zSTATS\0'
check "nSTATS (numbers normalised, thread lines left out)" "$STATS_RE\\\\n" statsnorm raw 'send:nSTATS\n'
like "$(on ref raw 'send:zSTATS\0')" 'max 4 idle-timeout' "clamd: STATS shows MaxThreads"
like "$(on peer raw 'send:zSTATS\0')" \
	"${LF}\\\\tSTATS [0-9.]+ \\\\n${LF}" \
	"$PEER: STATS lists the threads, one of them doing STATS"
like "$(on peer raw 'send:zSTATS\0')" 'max 4 idle-timeout' "$PEER: STATS shows max_threads"

# IDSESSION: replies "N: ..." (in any order: sorted).  clamd writes the
# VERSIONCOMMANDS reply in pieces, so a scan reply finishing meanwhile can
# land inside it: the FILDES reply is awaited first (read:5).
RAW_OPTS="--sort --fdnorm" check "zIDSESSION: PING VERSION SCAN INSTREAM FILDES VERSIONCOMMANDS END" \
	"1: PONG\\\\0${LF}2: ClamAV [^\\]*\\\\0${LF}3: $S/eicar\\.com: $E\\\\0${LF}4: stream: $C\\\\0${LF}5: fd\\[N\\]: OK\\\\0${LF}6: $VC\\\\0" \
	raw 'send:zIDSESSION\0' 'send:zPING\0' 'send:zVERSION\0' "send:zSCAN $S/eicar.com\\0" \
	'send:zINSTREAM\0' "chunks:$S/mail-clamexe.eml" endstream read:4 'send:zFILDES\0' "fd:$S/clean.txt" read:5 \
	'send:zVERSIONCOMMANDS\0' 'send:zEND\0'
steps=('send:zIDSESSION\0')
want=
for i in $(seq 1 20); do
	f=${FILES[$(((i * 7) % ${#FILES[@]}))]}
	case $((i % 3)) in
	0) steps+=("send:zSCAN $f\\0") ;;
	1) steps+=('send:zINSTREAM\0' "chunks:$f:4096" endstream) ;;
	2) steps+=("read:$((i - 1))" 'send:zFILDES\0' "fd:$f") ;;
	esac
done
steps+=('send:zEND\0')
RAW_OPTS="--sort --fdnorm" check "zIDSESSION: 20 scans by SCAN, INSTREAM and FILDES" \
	"([0-9]+: [^\\]*(OK|FOUND)\\\\0$LF){19}[0-9]+: [^\\]*(OK|FOUND)\\\\0" raw "${steps[@]}"
check "zIDSESSION: STATS inside (numbers normalised, thread lines left out)" \
	"N: PONG\\\\0${LF}N: $STATS_RE\\\\0" statsnorm raw 'send:zIDSESSION\0' 'send:zPING\0' read:1 'send:zSTATS\0' read:2 'send:zEND\0'
check "zIDSESSION: CONTSCAN is refused, then a close" \
	"1: PONG\\\\0${LF}2: Command invalid inside IDSESSION\\. ERROR\\\\0" \
	raw 'send:zIDSESSION\0' 'send:zPING\0' read:1 "send:zCONTSCAN $S\\0" 'send:zPING\0'
check "zIDSESSION: unknown command inside" '1: Command invalid inside IDSESSION\. ERROR\\0' \
	raw 'send:zIDSESSION\0' 'send:zFOO\0' 'send:zEND\0'
check "zIDSESSION: nested IDSESSION" '1: Command invalid inside IDSESSION\. ERROR\\0' \
	raw 'send:zIDSESSION\0' 'send:zIDSESSION\0'
check "zIDSESSION: RELOAD inside" '1: Command invalid inside IDSESSION\. ERROR\\0' \
	raw 'send:zIDSESSION\0' 'send:zRELOAD\0'
check "zIDSESSION: DETSTATS inside" '1: Command invalid inside IDSESSION\. ERROR\\0' \
	raw 'send:zIDSESSION\0' 'send:zDETSTATS\0' 'send:zEND\0'
check "zIDSESSION: nothing after END is answered" '1: PONG\\0' \
	raw 'send:zIDSESSION\0' 'send:zPING\0' 'send:zEND\0zPING\0'
check "zIDSESSION then END at once" '' raw 'send:zIDSESSION\0' 'send:zEND\0'

# RELOAD as freshclam's NotifyClamd sends it: "RELOAD" and its NUL
check "RELOAD\\0 (legacy, as freshclam sends it)" 'RELOADING\\n' raw 'send:RELOAD\0'
check "zRELOAD" 'RELOADING\\0' raw 'send:zRELOAD\0'
check "nRELOAD" 'RELOADING\\n' raw 'send:nRELOAD\n'
check "still PONG after the reloads" 'PONG\\0' raw 'send:zPING\0'

# ------------------------------------------------------------ RELOAD under load

expect=()
for f in eicar.com clean.txt empty mail-clamexe.eml mail-fwd.eml eicar.zip eicar-in-text.txt \
	testfiles/clam.zip testfiles/clam.pdf testfiles/clam-upx.exe; do
	v=$(on ref raw 'send:zINSTREAM\0' "chunks:$S/$f" endstream | sed -n 's/^stream: \(.*\)\\0$/\1/p')
	expect+=(--expect "$S/$f=$v")
done
ok "clamd gave a verdict for each load sample" eval "! printf '%s\n' \"\${expect[@]}\" | grep -q '=\$'"
printf 'reload probe %s %s\n' "$$" "$(date +%s%N)" >"$T/probe.txt"
"$PYTHON" "$CLIENT" load --socket "${SOCKS[peer]}" --threads 8 --seconds 6 --reload-every 0.4 \
	--dbdir "$T/db" --probe "$T/probe.txt=Mailsift.Test.Probe" "${expect[@]}" >"$T/load.out" 2>&1
if ok_status $? "RELOAD every 0.4 s while 8 clients scan (INSTREAM and FILDES) and .ndb files change: no failed scan, the new signature takes effect"; then
	note "$(cat "$T/load.out")"
else
	diag "$(cat "$T/load.out")"
fi

# clamd reloads the changed database too; then both agree again
ok "clamd reloads" eval "[ \"\$(on ref raw 'send:zRELOAD\0')\" = 'RELOADING\0' ]"
ok "clamd finds the probe after its reload" wait_for "clamd reload" 100 \
	eval "on ref cds '$T/probe.txt' | grep -q 'Mailsift\.Test\.Probe.* FOUND'"
same "after the reloads: clamdscan --fdpass DIR probe" cds --fdpass "$S" "$T/probe.txt"
check "after the reloads: zPING" 'PONG\\0' raw 'send:zPING\0'

cd / || :
if [ "$PEER" = mailsift ]; then
	ok "the scanner never died (mailsift's log)" eval \
		"! grep -E 'service scanner: .*(killed by signal|exit status)|(fatal|panic): ' '$T/ms/mailsift.log'"
	ms_stop ms
	is "$STOPPED_STATUS" 0 "mailsift stops cleanly"
fi
done_testing
