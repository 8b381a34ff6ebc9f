#!/bin/bash
# 25-postfix-virus.t - the tutorial's set-up with a virus: Postfix in
# front hands an EICAR message to mailsift; with the tutorial's
# final_virus_destiny = bounce, Postfix is told "250 2.5.0 Ok, id=...,
# BOUNCE", the recipient gets nothing and the sender (a local Maildir)
# gets mailsift's DSN; with reject, Postfix gets the 550 and bounces to
# the sender itself.  A clean message still arrives, with X-Virus-Scanned.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_IN=$(free_port); P_F=$(free_port); P_R=$(free_port)

pf_setup pf "$P_IN" "$P_F" "$P_R"
ok "postfix starts" pf_start pf
ms_setup ms "$P_F" "$P_R"
ok "mailsift starts" ms_start ms
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

ok "a clean message to postfix" send_mail "$P_IN" --from user2@example.test \
	--to user@example.test --header 'Subject: Test' --body 'Ceci est un test.'
ok "delivered" pf_wait_delivered pf user 1 150
f=$(pf_maildir_files pf user | head -n 1)
ok "it carries X-Virus-Scanned" grep -q '^X-Virus-Scanned: mailsift' "$f"

ok "an infected message to postfix" send_mail "$P_IN" --from user2@example.test \
	--to user@example.test --header 'Subject: Test avec un empreinte de virus' \
	--body "$EICAR"
ok "the sender gets mailsift's DSN" pf_wait_delivered pf user2 1 150
ok "postfix queue drains" pf_wait_queue_empty pf 100
is "$(pf_maildir_count pf user)" 1 "the recipient got only the clean message"
dsn=$(pf_maildir_files pf user2 | head -n 1)
like "$(cat "$dsn")" 'report-type=delivery-status' "the sender's copy is a DSN"
like "$(cat "$dsn")" 'VIRUS: Eicar' "the DSN names the virus"
ok "postfix was told 250 2.5.0 Ok, id=..., BOUNCE" grep -qE \
	'status=sent \(250 2\.5\.0 Ok, id=[0-9A-F]+, BOUNCE\)' "$T/pf/maillog"

ms_conf ms 'final_virus_destiny = reject'
ok "reload" ms_ctl ms reload
ok "an infected message, destiny reject" send_mail "$P_IN" --from user2@example.test \
	--to user@example.test --header 'Subject: again' --body "$EICAR"
ok "the sender gets postfix's own bounce" pf_wait_delivered pf user2 2 150
ok "postfix logged the 550" grep -qE \
	'status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.7\.1 Message content rejected, id=[0-9A-F]+ - VIRUS: Eicar' \
	"$T/pf/maillog"
ok "postfix queue drains" pf_wait_queue_empty pf 100
is "$(pf_maildir_count pf user)" 1 "the recipient still got only the clean message"
done_testing
