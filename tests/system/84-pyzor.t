#!/bin/bash
# 84-pyzor.t - sapyzor against the real pyzor: the digest of 200 corpus
# messages (a fixed sample of every group, first "From " line removed)
# equals "pyzor digest"; with a real pyzord on loopback, what the real
# pyzor reports sapyzor sees with the same count (and the same line),
# what sapyzor reports the real pyzor sees, an unreported message has
# 0; the anonymous whitelist gets pyzord's 403; a silent server costs
# the timeout and no more, a closed port is known at once.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
command -v pyzor >/dev/null || skip_all "pyzor is not installed"
command -v pyzord >/dev/null || skip_all "pyzord is not installed"
/usr/bin/python3 -c 'import dbm.gnu' 2>/dev/null ||
	skip_all "python3-gdbm is missing (pyzord's gdbm engine)"
ms_corpus || skip_all "no mail corpus"
SAPYZOR=$MS_TOP/bin/sapyzor
[ -x "$SAPYZOR" ] || bail_out "bin/sapyzor is not built"
plan 17

# strip - a corpus file less its mbox "From " line
strip() {
	sed '1{/^From /d}' "$1"
}

# (a) digests of a sample across all groups
mkdir -p "$T/pz"
tools_list=$("$MS_TOP/tools/corpus-list" "$MS_CORPUS_DATA" all |
	awk 'NR % 30 == 1 && n++ < 200')
n=0 same=0
while read -r f; do
	strip "$f" >"$T/m.eml"
	want=$(pyzor --homedir "$T/pz" digest <"$T/m.eml" 2>/dev/null)
	got=$("$SAPYZOR" digest <"$T/m.eml" 2>/dev/null)
	n=$((n + 1))
	if [ "$want" = "$got" ]; then
		same=$((same + 1))
	else
		diag "digest differs: $f: pyzor '$want', sapyzor '$got'"
	fi
done <<<"$tools_list"
is "$n" 200 "200 corpus messages sampled"
is "$same" 200 "sapyzor digest equals pyzor digest on all of them"

# (b) a real pyzord on loopback
P=$(free_port)
mkdir -p "$T/pyzord" "$T/pyzor"
echo "127.0.0.1:$P" >"$T/pyzor/servers"
spawn pyzord pyzord --homedir "$T/pyzord" -a 127.0.0.1 -p "$P" \
	--log-file="$T/pyzord.log"
ok "pyzord answers pyzor ping" wait_for "pyzord ping" 100 \
	pyzor --homedir "$T/pyzor" -t 1 ping
PZ="pyzor --homedir $T/pyzor"
SP="$SAPYZOR -s 127.0.0.1:$P -t 5"

files=$("$MS_TOP/tools/corpus-list" "$MS_CORPUS_DATA" all spam-2 |
	awk 'NR <= 3')
strip "$(sed -n 1p <<<"$files")" >"$T/one.eml"
strip "$(sed -n 2p <<<"$files")" >"$T/two.eml"
strip "$(sed -n 3p <<<"$files")" >"$T/three.eml"

# pyzor_count_min is 5: report five times with the real client
for i in 1 2 3 4 5; do
	$PZ report <"$T/one.eml" >/dev/null 2>&1
done
out=$($SP check <"$T/one.eml"); rc=$?
is "$out" "$(printf '127.0.0.1:%s\t(200, '"'OK'"')\t5\t0' "$P")" \
	"sapyzor check sees the 5 reports of the real pyzor"
is "$rc" 0 "sapyzor check: exit 0 for a listed message"
is "$out" "$($PZ check <"$T/one.eml")" "the same line as pyzor check"

out=$($SP check <"$T/two.eml"); rc=$?
is "$out" "$(printf '127.0.0.1:%s\t(200, '"'OK'"')\t0\t0' "$P")" \
	"an unreported message has 0"
is "$rc" 1 "sapyzor check: exit 1 for it, as pyzor"

out=$($SP report <"$T/three.eml"); rc=$?
is "$out" "$(printf '127.0.0.1:%s\t(200, '"'OK'"')' "$P")" "sapyzor report"
is "$rc" 0 "sapyzor report: exit 0"
like "$($PZ check <"$T/three.eml")" "	\(200, 'OK'\)	1	0\$" \
	"the real pyzor check sees sapyzor's report"

want=$($PZ whitelist <"$T/three.eml")
out=$($SP whitelist <"$T/three.eml"); rc=$?
is "$out" "$want" "anonymous whitelist: pyzord's 403, as pyzor prints it"
is "$rc" 1 "sapyzor whitelist: exit 1"

# a server that never answers: the timeout, no more
PS=$(free_port)
spawn silent /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(600)' "$PS"
wait_for "silent UDP server bound" 100 sh -c "ss -Hlun | grep -q ':$PS '"
t0=$(date +%s.%N)
out=$("$SAPYZOR" -s "127.0.0.1:$PS" -t 2 check <"$T/one.eml"); rc=$?
t1=$(date +%s.%N)
el=$(echo "$t1 - $t0" | bc)
ok "a silent server costs the 2 s timeout, no more ($el s)" \
	test "$(echo "$el >= 1.9 && $el < 3" | bc)" = 1
is "$out" "$(printf "127.0.0.1:%s\t(504, 'Reading response timed-out.')" \
	"$PS")" "a clear message, as pyzor's"
is "$rc" 1 "exit 1 without an answer"

# a closed port: known at once
PC=$(free_port)
t0=$(date +%s.%N)
out=$("$SAPYZOR" -s "127.0.0.1:$PC" -t 2 check <"$T/one.eml"); rc=$?
t1=$(date +%s.%N)
el=$(echo "$t1 - $t0" | bc)
like "$out" "Connection refused" "a closed port: connection refused ($el s)"
done_testing
