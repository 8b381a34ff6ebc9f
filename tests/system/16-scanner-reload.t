#!/bin/bash
# 16-scanner-reload.t - signatures change under a running scanner:
# self_check finds a new signature file and the next message is judged by
# it; a broken database is refused and the old signatures keep working;
# "mailsiftctl reload" while mail flows costs no message a 4xx; the
# scanner refuses to start without a database and says why; clamd.conf
# names work in mailsift.cf.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
mkdir -p "$T/db"
cp "$MS_TESTDB"/*.hdb "$MS_TESTDB"/*.ndb "$T/db/"
chmod -R a+rX "$T/db"
ms_conf ms "database_directory = $T/db" 'SelfCheck = 1' 'MaxThreads = 3' \
	'final_virus_destiny = reject'
ok "mailsift starts" ms_start ms
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"

printf 'Subject: marker\r\n\r\nthis carries MAILSIFT-RELOAD-MARKER-42 inside\r\n' > "$T/marker.eml"
out=$($SEND --from a@x.test --to u@example.test "$T/marker.eml")
like "$out" '^250 2\.6\.0' "before: the marker is clean"
like "$(ms_ctl ms status)" 'threads 3 busy' "MaxThreads = 3 (clamd.conf's name) is used"

# a new body signature appears, as freshclam would add it
hex=$(printf 'MAILSIFT-RELOAD-MARKER-42' | od -An -tx1 | tr -d ' \n')
printf 'Test.Reload.Marker:0:*:%s\n' "$hex" > "$T/db/.new.ndb"
chmod a+r "$T/db/.new.ndb"
mv "$T/db/.new.ndb" "$T/db/marker.ndb"
ok "self_check reloads the changed database" wait_for "reloaded" 100 \
	grep -q 'scanner.*reloaded: ' "$T/ms/mailsift.log"
out=$($SEND --from a@x.test --to u@example.test "$T/marker.eml")
like "$out" '^550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: Test\.Reload\.Marker' \
	"after: the new signature finds it"

# a broken database: refused, the old signatures stay
printf 'this is not a signature line\n' > "$T/db/broken.ndb"
chmod a+r "$T/db/broken.ndb"
ok "the broken database is refused, with the reason" wait_for "reload failed" 100 \
	grep -q 'scanner.*reload failed: .*still scanning with the previous signatures' "$T/ms/mailsift.log"
out=$($SEND --from a@x.test --to u@example.test "$T/marker.eml")
like "$out" '^550 5\.7\.1 .*VIRUS: Test\.Reload\.Marker' "the old signatures still work"
rm -f "$T/db/broken.ndb"

# mailsiftctl reload while mail flows: every message gets a 250
loadgen --port "$P_F" --count 200 --concurrency 4 --out "$T/lg.tsv" --to u2@example.test &
lgpid=$!
for i in 1 2 3; do
	wait_for "some mail flowing" 50 bash -c "[ -s $T/lg.tsv ]"
	ms_ctl ms reload >/dev/null
	sleep 0.3	# spread the reloads over the run (not a wait for a result)
done
wait "$lgpid"
is "$(results_codes "$T/lg.tsv")" "250 200" "200 messages through 3 reloads: all 250"

# no database at all: the scanner refuses to start, and says why
mkdir -p "$T/empty"; chmod a+rx "$T/empty"
ms_conf ms "database_directory = $T/empty"
ms_ctl ms reload >/dev/null
ok "the scanner says there is no database" wait_for "no db" 100 \
	grep -q "scanner.*fatal: cannot start: no signature database in $T/empty" "$T/ms/mailsift.log"
out=$($SEND --from a@x.test --to u@example.test "$T/marker.eml")
like "$out" '^550 5\.7\.1 .*VIRUS: Test\.Reload\.Marker' \
	"meanwhile the previous scanner keeps serving"

# started with no database at all, no scanner ever runs: mail gets 451
# after ipc_timeout (qmgr's connection is never greeted), not later
ms_stop ms
ms_conf ms 'ipc_timeout = 3s'
ok "mailsift starts (the scanner cannot)" ms_start ms
t0=$(date +%s)
out=$($SEND --from a@x.test --to u@example.test "$T/marker.eml")
t1=$(date +%s)
like "$out" '^451 4\.5\.0 Error in processing, id=[0-9A-F]+ - UNCHECKED: virus scanner failed' \
	"no scanner running: 451 UNCHECKED"
ok "within seconds of ipc_timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 10
ok "qmgr says why" grep -q 'no scanner is running' "$T/ms/mailsift.log"
done_testing
