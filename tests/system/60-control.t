#!/bin/bash
# 60-control.t - mailsiftctl status lists every service with its pids;
# reload applies a changed configuration without refusing a connection
# in flight; a bad configuration is refused on reload and the old one
# keeps working; stop stops.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_F=$(free_port); P_S=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
ok "mailsift starts" ms_start ms

st=$(ms_ctl ms status)
for svc in "127.0.0.1:$P_F" qmgr reinject; do
	ok "status lists $svc with a pid" eval "printf '%s\\n' \"\$st\" | grep -Eq '^$svc +(inet|unix) .* [0-9]+:(idle|busy|starting):'"
done
like "$st" "mailsiftd pid $(ms_pid ms), up" "status names the master"
like "$st" "queue: incoming 0, active 0" "status shows queue counts"
qpid=$(printf '%s\n' "$st" | awk '$1 == "qmgr" { split($7, a, ":"); print a[1] }')
ok "the qmgr pid is a live process running as nobody" \
	eval "[ \"\$(ps -o user= -p $qpid)\" = nobody ]"

# open a session and start a transaction, then reload
exec 5<>"/dev/tcp/127.0.0.1/$P_F"
read -r -t 10 greet <&5
like "$greet" "^220 filter\.example\.test ESMTP mailsift" "old banner"
printf 'EHLO old.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<user@example.test>\r\n' >&5
ms_conf ms 'smtpd_banner = $myhostname ESMTP reloaded'
ok "reload succeeds" ms_ctl ms reload
# the session in flight goes on under the old generation
printf 'DATA\r\n' >&5
printf 'Subject: in flight\r\n\r\nhello\r\n.\r\nQUIT\r\n' >&5
replies=$(timeout 20 cat <&5)
exec 5<&-
like "$replies" $'250 2\\.6\\.0 Ok, id=' "message in flight during reload delivered"
ok "new connections see the new configuration" eval \
	"exec 6<>/dev/tcp/127.0.0.1/$P_F; read -r -t 10 l <&6; exec 6<&-; [[ \$l == *'ESMTP reloaded'* ]]"
like "$(ms_ctl ms status)" "configuration generation 2" "generation 2 after reload"

# a broken configuration is refused, the running one stays
ms_conf ms 'message_size_limit = huge'
out=$(ms_ctl ms reload 2>&1); rc=$?
isnt "$rc" 0 "reload with a bad value fails"
like "$out" 'mailsift\.cf:[0-9]+: parameter message_size_limit: bad value' "and says why"
ok "still answering after the failed reload" send_mail "$P_F" --from a@x.test --to user@example.test
like "$(ms_ctl ms status)" "configuration generation 2" "generation unchanged"

# stats count what went through
st=$(ms_ctl ms stats)
like "$st" $'(^|\n)received: [1-9]' "stats count received messages (this qmgr's, since the reload)"
like "$st" $'(^|\n)latency_p99_ms: <[0-9]+' "stats report latency"

ms_conf ms 'message_size_limit = 10240000'
# a child that cannot start (a bad -o value in master.cf) is throttled:
# restarted with a growing back-off, not in a tight loop; others go on
ms_master ms "reinject unix y y n - 4 reinject" "  -o smtp_reply_timeout=never"
ok "reload with the bad -o" ms_ctl ms reload
ok "reinject is throttled" wait_for "throttle" 100 \
	eval "ms_ctl ms status | grep -E '^reinject ' | grep -q THROTTLED"
ok "the failure is logged with the reason" grep -q \
	'parameter smtp_reply_timeout: bad value "never"' "$T/ms/mailsift.log"
r1=$(ms_ctl ms status | awk '$1 == "reinject" { print $6 }')
ok "not restarted in a tight loop (restarts: $r1)" eval "[ \"$r1\" -le 3 ]"
out=$(ms_ctl ms status | grep -E '^qmgr ')
like "$out" 'idle' "qmgr keeps running"
ms_master ms "reinject unix y y n - 4 reinject"
ok "reload with the fix" ms_ctl ms reload
ok "mail flows again" wait_for "delivery" 150 \
	send_mail "$P_F" --from a@x.test --to user@example.test

ok "stop" ms_ctl ms stop
ok "master exits after stop" wait_for "master exit" 100 eval "! pid_alive $(ms_pid ms)"
done_testing
