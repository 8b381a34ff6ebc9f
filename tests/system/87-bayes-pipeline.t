#!/bin/bash
# 87-bayes-pipeline.t - Bayes in the running filter, with the tutorial's
# local.cf (use_bayes 1, auto_learn 1): auto-learning of clear spam and
# ham as SpamAssassin's thresholds decide (X-Spam-Status autolearn=);
# mailsiftctl learn spam|ham from a Maildir and an mbox, bayes stats,
# forget; the store owned by mail_owner; once 200 spam and 200 ham are
# learned, corpus spam gets BAYES_9x and ham BAYES_0x in the pipeline's
# X-Spam-Status; spamc -L ham / forget through spamd_listen (TELL, with
# spamd_allow_tell).  sa_tag_level -999: every message gets X-Spam-Status.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
[ -d /usr/share/spamassassin ] || skip_all "no SpamAssassin rules (spamassassin package)"
command -v spamc >/dev/null || skip_all "spamc is not installed"
ms_corpus || bail_out "the SpamAssassin corpus could not be fetched"
D=$MS_CORPUS_DATA
P_F=$(free_port); P_S=$(free_port); P_D=$(free_port)
sink_start sink "$P_S"
ms_setup ms "$P_F" "$P_S"
cp "$MS_TOP/conf/local.cf" "$T/local.cf"
cat >>"$T/local.cf" <<'EOF'

# 87-bayes-pipeline.t: probes for auto-learning (header and body points)
header MS_AL_HEAD Subject =~ /autolearn-probe-spam/
score MS_AL_HEAD 7
body MS_AL_BODY /autolearn probe body marker/
score MS_AL_BODY 7
header MS_AL_HAM Subject =~ /autolearn-probe-ham/
score MS_AL_HAM -5
EOF
ms_scorer ms "$T/local.cf"
ms_master ms "\$spamd_listen inet n y n - 2 scorer"
ms_conf ms "spamd_listen = 127.0.0.1:$P_D" "spamd_allow_tell = yes" "sa_tag_level = -999"
ok "mailsift starts with Bayes on (the tutorial's local.cf)" ms_start ms
wait_for "a scorer has loaded its rules" 300 grep -q "rules from" "$T/ms/mailsift.log"
like "$(grep 'rules from' "$T/ms/mailsift.log" | head -1)" 'score set 2 \(Bayes on' \
	"the scorer opened the Bayes store"
SEND="$PYTHON $MS_TOOLS/smtpsend.py --port $P_F"
n=0
deliver() {
	reply=$($SEND --from "${2:-sender@example.com}" --to bob@example.net "$1")
	n=$((n + 1))
	sink_wait sink "$n" 200 || return 1
	got=$(sink_last sink)
}
status() {
	"$PYTHON" -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(" ".join(str(m.get("X-Spam-Status", "")).split()))' "$got"
}
count() {	# count spam|ham: the store's count
	ms_ctl ms bayes stats | sed -n "s/^messages learned as $1: *\([0-9]*\)$/\1/p"
}
probe() {	# probe FILE SUBJECT BODYLINE
	printf 'From: probe@example.com\r\nTo: bob@example.net\r\nSubject: %s\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\nMessage-ID: <%s@example.com>\r\n\r\nHello,\r\n%s\r\nregards\r\n' \
		"$2" "$RANDOM$RANDOM" "$3" > "$1"
}

# --- 1. auto-learning on an empty store --------------------------------
is "$(count spam)" 0 "a new store: no spam learned"
probe "$T/al-spam.eml" "autolearn-probe-spam offer" "autolearn probe body marker"
deliver "$T/al-spam.eml"
like "$(status)" '^Yes, .*autolearn=spam' "14 points, 7 in the header, 7 in the body: autolearn=spam"
wait_for "the scorer learned it after answering" 100 bash -c \
	"[ \"\$('$MS_BIN/mailsiftctl' -c '$T/ms/conf' bayes stats | sed -n 's/^messages learned as spam: *//p')\" = 1 ]"
probe "$T/al-ham.eml" "autolearn-probe-ham notes" "see you on Tuesday"
deliver "$T/al-ham.eml"
like "$(status)" '^No, score=-.*autolearn=ham' "a score under 0.1: autolearn=ham"
wait_for "the ham learned" 100 bash -c \
	"[ \"\$('$MS_BIN/mailsiftctl' -c '$T/ms/conf' bayes stats | sed -n 's/^messages learned as ham: *//p')\" = 1 ]"
probe "$T/al-no.eml" "autolearn-probe-spam only" "nothing in the body"
deliver "$T/al-no.eml"
like "$(status)" 'autolearn=no' "7 header points only (under 12): autolearn=no"
deliver "$T/al-spam.eml"
sleep_until_logged() { grep -q "auto-learned as spam (known already)" "$T/ms/mailsift.log"; }
wait_for "the second copy is known already" 100 sleep_until_logged
is "$(count spam)" 1 "the same message auto-learned twice counts once"
is "$(stat -c %U "$T/ms/data/bayes")" nobody "the store's directory belongs to mail_owner"
is "$(find "$T/ms/data/bayes" -type f ! -user nobody | wc -l)" 0 "and every file in it"

# --- 2. mailsiftctl learn, stats, forget ---------------------------------
mkdir -p "$T/spam/cur" "$T/spam/new" "$T/spam/tmp"
tools_list() { "$MS_TOP/tools/corpus-list" "$D" "$@"; }
i=0
for f in $(tools_list train spam-1 spam-2 | head -300); do
	i=$((i + 1))
	cp "$f" "$T/spam/cur/$i.mail:2,S"
done
for f in $(tools_list train easy-ham-1 easy-ham-2 hard-ham-1 | head -260); do
	# some corpus files lack their mbox From line
	head -c 5 "$f" | grep -q '^From ' || echo "From corpus Thu Jan  1 00:00:00 2002"
	cat "$f"
	[ -z "$(tail -c 1 "$f")" ] || echo	# the last line ended
	echo					# the mbox separator
done > "$T/ham.mbox"
chmod 600 "$T/ham.mbox"	# root's file: mailsiftctl reads it, not salearn
out=$(ms_ctl ms learn spam "$T/spam" 2>&1)
ok "mailsiftctl learn spam MAILDIR" test $? -eq 0
like "$out" 'learned' "it says what it learned: $(echo "$out" | tail -1)"
ok "mailsiftctl learn ham MBOX (a file only root can read)" ms_ctl ms learn ham "$T/ham.mbox"
stats=$(ms_ctl ms bayes stats)
like "$stats" 'messages learned as spam: *2[0-9][0-9]' "bayes stats: over 200 spam (of 300: corpus duplicates count once)"
like "$stats" 'messages learned as ham: *2[0-9][0-9]' "bayes stats: over 200 ham (of 260)"
like "$stats" 'verdicts given: *yes' "enough learned for verdicts"
is "$(find "$T/ms/data/bayes" -type f ! -user nobody | wc -l)" 0 "the store still belongs to mail_owner only"
before=$(count ham)
ok "mailsiftctl learn ham: the same mbox again" ms_ctl ms learn ham "$T/ham.mbox"
is "$(count ham)" "$before" "learning the same messages twice: counts unchanged"
f1=$(tools_list train easy-ham-1 easy-ham-2 hard-ham-1 | head -1)
ok "mailsiftctl forget FILE" ms_ctl ms forget "$f1"
is "$(count ham)" "$((before - 1))" "forget: one ham less"
ms_ctl ms learn ham "$f1" >/dev/null

# --- 3. verdicts in the pipeline -----------------------------------------
ns=0; nh=0
for f in $(tools_list test spam-2 | head -10); do
	sed -e 1d -e 's/\r$//' -e 's/$/\r/' "$f" > "$T/in.eml"
	deliver "$T/in.eml"
	case "$(status)" in *BAYES_9[59]=*) ns=$((ns + 1)) ;; esac
done
for f in $(tools_list test easy-ham-1 easy-ham-2 | head -10); do
	sed -e 1d -e 's/\r$//' -e 's/$/\r/' "$f" > "$T/in.eml"
	deliver "$T/in.eml"
	case "$(status)" in *BAYES_0[05]=*) nh=$((nh + 1)) ;; esac
done
ok "test-split spam gets BAYES_95/BAYES_99 in X-Spam-Status ($ns of 10)" test "$ns" -ge 7
ok "test-split ham gets BAYES_00/BAYES_05 ($nh of 10)" test "$nh" -ge 7

# --- 4. spamc -L (TELL) --------------------------------------------------
SPAMC="spamc -d 127.0.0.1 -p $P_D -t 60"
f2=$(tools_list test hard-ham-1 | head -1)
before=$(count ham)
like "$($SPAMC -L ham < "$f2")" 'Message successfully un/learned' "spamc -L ham: learned"
is "$(count ham)" "$((before + 1))" "the store counts it"
like "$($SPAMC -L ham < "$f2")" 'Message was already un/learned' "spamc -L ham again: already learned"
like "$($SPAMC -L forget < "$f2")" 'Message successfully un/learned' "spamc -L forget"
is "$(count ham)" "$before" "forgotten"
ok "mailsift stops cleanly" ms_stop ms
done_testing
