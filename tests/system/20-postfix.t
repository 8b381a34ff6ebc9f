#!/bin/bash
# 20-postfix.t - a real Postfix in front and behind: Postfix's
# content_filter hands the message to mailsift, mailsift reinjects it
# into Postfix's 10025-style listener, Postfix delivers it to a Maildir.
# The message lands once, with mailsift's Received: line; the original
# client's address (sent by Postfix with XFORWARD) is in the Received:
# lines and in Postfix's log as orig_client=.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
P_IN=$(free_port); P_F=$(free_port); P_R=$(free_port)

pf_setup pf "$P_IN" "$P_F" "$P_R"
ok "postfix starts" pf_start pf
ms_setup ms "$P_F" "$P_R"
ok "mailsift starts" ms_start ms

ok "swaks to postfix" send_mail "$P_IN" --helo client.sender.test \
	--from alice@sender.test --to user@example.test \
	--header 'Subject: through postfix and mailsift' \
	--header 'Message-ID: <pf-1@sender.test>' --local-interface 127.0.0.2
ok "delivered to the Maildir" pf_wait_delivered pf user 1 150
ok "postfix queue drains" pf_wait_queue_empty pf 100
is "$(pf_maildir_count pf user)" 1 "exactly one copy delivered"
f=$(pf_maildir_files pf user | head -n 1)
hdr=$(sed -n '1,/^\r\{0,1\}$/p' "$f")
like "$hdr" $'Received: from client\\.sender\\.test \\(unknown \\[127\\.0\\.0\\.2\\]\\)[\r]?\n[ \t]+by filter\\.example\\.test \\(mailsift\\) with ESMTP id [0-9A-F]+' \
	"mailsift's Received: line names the original client (XFORWARD)"
like "$hdr" 'Received: from client\.sender\.test \(unknown \[127\.0\.0\.2\]\)[^:]*by mx\.example\.test \(Postfix\)' \
	"Postfix's first Received: line has the client address"
is "$(grep -c '^Received: ' "$f")" 3 "three Received: lines: postfix, mailsift, postfix"
ok "Postfix's reinjection listener logs the original client (XFORWARD)" \
	grep -qE 'orig_client=unknown\[127\.0\.0\.2\]' "$T/pf/maillog"
ok "smtpd-in logs the client and the original client" grep -qE 'client=localhost\[127\.0\.0\.1\], orig_queue_id=[0-9A-F]+, orig_client=unknown\[127\.0\.0\.2\]' "$T/ms/mailsift.log"
ok "Postfix got the 250 2.6.0 Ok, id=..., from MTA: reply" grep -qE \
	'status=sent \(250 2\.6\.0 Ok, id=[0-9A-F]+, from MTA: 250 2\.0\.0 Ok: queued as' "$T/pf/maillog"

# a handful more, concurrently: each exactly once
loadgen --port "$P_IN" --count 40 --concurrency 4 --out "$T/lg.tsv" --to user2@example.test
ok "40 more delivered" pf_wait_delivered pf user2 40 300
ok "postfix queue drains" pf_wait_queue_empty pf 100
ok "each of the 40 exactly once" check_seq "$T/pf/mail/user2/Maildir" 40
done_testing
