#!/bin/bash
# bench/lib-bench.sh - the bash half of the benchmarks, on top of tests/lib.sh.
#
# Sourced, it adds to tests/lib.sh (temp dir $T, free_port, wait_tcp,
# stop_pid, ms_setup/ms_start, cleanups at exit):
#
#	bench_sink NAME [smtp-sink options]
#		start Postfix's smtp-sink on a fresh 127.0.0.1 port (no -d:
#		messages are thrown away), output in $T/NAME.out;
#		sets BENCH_PORT and BENCH_PID
#	bench_ms NAME FORWARD_PORT MAXPROC FSYNC
#		a mailsift instance under $T/NAME forwarding to FORWARD_PORT,
#		smtpd-in and reinject maxproc MAXPROC, queue_fsync = FSYNC;
#		sets BENCH_PORT (its filter port) and BENCH_PID (mailsiftd)
#
# Run, it is the environment holder of bench/throughput:
#
#	bash bench/lib-bench.sh env MAXPROC FSYNC...
#
# starts one sink for the direct path and, for each FSYNC value (yes/no),
# a sink with counters (-c) and a mailsift instance forwarding to it; it
# prints one line per peer on stdout, then "ready", and keeps everything
# running until its stdin reaches EOF; then the lib.sh exit trap stops
# every process by pid and removes $T (kept with KEEP_TMP=1).
# Lines:  T DIR | sink NAME PORT PID OUTFILE | ms NAME PORT PID DIR |
#         ms-failed NAME | ready
# Set T to an existing empty directory to put the queues on another disk
# (it is removed at exit like lib.sh's own).

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib.sh
. "$BENCH_TOP/tests/lib.sh"

BENCH_SMTP_SINK=${BENCH_SMTP_SINK:-/usr/sbin/smtp-sink}

bench_sink() {
	local name=$1 port u=()
	shift
	port=$(free_port) || return 1
	[ "$(id -u)" = 0 ] && u=(-u nobody)	# mandatory for root
	spawn "$name" "$BENCH_SMTP_SINK" "${u[@]}" "$@" "127.0.0.1:$port" 256
	if ! wait_tcp 127.0.0.1 "$port" 100 || ! pid_alive "$SPAWN_PID"; then
		diag "bench_sink: smtp-sink $name on port $port did not start:" \
			"$(cat "$T/$name.out" 2>&1)"
		return 1
	fi
	BENCH_PORT=$port
	BENCH_PID=$SPAWN_PID
}

bench_ms() {
	local name=$1 fwd=$2 maxproc=$3 fsync=$4 port
	port=$(free_port) || return 1
	ms_setup "$name" "$port" "$fwd"
	ms_master "$name" "127.0.0.1:$port inet n y n - $maxproc smtpd-in"
	ms_master "$name" "reinject unix y y n - $maxproc reinject"
	ms_conf "$name" "queue_fsync = $fsync"
	if [ "${BENCH_SCANNER:-yes}" = no ]; then
		# the tutorial's "bypass everything" (@bypass_virus_checks_acl = qw(.))
		ms_master_del "$name" scanner
		ms_conf "$name" "bypass_virus_checks = ." "bypass_banned_checks = ."
	fi
	# BENCH_SCORER=yes: the spam scorer too (2 processes, conf/local.cf)
	[ "${BENCH_SCORER:-no}" = yes ] && ms_scorer "$name" "$MS_TOP/conf/local.cf" 2
	# BENCH_MS_CONF="name = value": one more mailsift.cf setting to try
	[ -n "${BENCH_MS_CONF:-}" ] && ms_conf "$name" "$BENCH_MS_CONF"
	ms_start "$name" 150 || return 1
	BENCH_PORT=$port
	BENCH_PID=$(ms_pid "$name")
}

_bench_env() {
	local maxproc=${1:?usage: lib-bench.sh env MAXPROC FSYNC...} f
	shift
	ms_tmpdir
	echo "T $T"
	bench_sink direct || exit 1
	echo "sink direct $BENCH_PORT $BENCH_PID $T/direct.out"
	for f in "$@"; do
		bench_sink "sink-$f" -c || exit 1
		echo "sink sink-$f $BENCH_PORT $BENCH_PID $T/sink-$f.out"
		if bench_ms "ms-$f" "$BENCH_PORT" "$maxproc" "$f"; then
			echo "ms ms-$f $BENCH_PORT $BENCH_PID $T/ms-$f"
		else
			echo "ms-failed ms-$f"
		fi
	done
	echo ready
	while read -r _; do :; done
	exit 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	env) shift; _bench_env "$@" ;;
	*) echo "usage: bash bench/lib-bench.sh env MAXPROC FSYNC..." >&2; exit 2 ;;
	esac
fi
