#!/bin/bash
# 83-bayes.t - the Bayes store trained and read with bin/salearn (no
# daemon): 200 spam and 200 ham of the corpus train split learned, 100
# spam and 100 ham of the test split classified (shares printed);
# learning a message twice counts once, learning it as the other class
# moves it; a salearn killed with SIGKILL in the middle of a large mbox
# leaves a store the next salearn opens with consistent counts; two
# salearn learning at once lose no update; files are private.  The
# mailsift token style (bayes_token_style mailsift: body word pairs)
# learns and classifies the same messages at least as well, and a store
# of one style is refused under the other.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
ms_corpus || skip_all "no corpus"
[ -d /usr/share/spamassassin ] || skip_all "no SpamAssassin rules (spamassassin package)"
SL=$MS_TOP/bin/salearn
[ -x "$SL" ] || bail_out "bin/salearn not built"
D=$MS_CORPUS_DATA
HAM="easy-ham-1 easy-ham-2 hard-ham-1"

list() {
	"$MS_TOP/tools/corpus-list" "$D" "$@" 2>/dev/null
}
# the spam train split holds a few duplicates (same To, Date and body):
# they count once, so 210 are offered to get 200 learned
list train spam-1 spam-2 | head -210 >"$T/tr_spam"
list train $HAM | head -200 >"$T/tr_ham"
list test spam-1 spam-2 | head -100 >"$T/te_spam"
list test $HAM | head -100 >"$T/te_ham"
list train spam-1 spam-2 | sed -n 211,1200p >"$T/more_spam"

# stat_of DIR FIELD - a number from salearn --stats
stat_of() {
	"$SL" -d "$1" --stats | awk -v f="$2" -F': *' '$1 ~ f { split($2, a, " "); print a[1] }'
}

# share FILE OP LIMIT - percent of the classified lines with prob OP LIMIT
share() {
	awk -v op="$2" -v lim="$3" '$1 != "none" && ((op == "ge" && $1 >= lim) || (op == "lt" && $1 < lim)) { n++ }
	    END { printf "%d\n", NR ? 100 * n / NR : 0 }' "$1"
}

DB=$T/bayes
out=$("$SL" -d "$DB" --spam $(cat "$T/tr_spam"))
like "$out" "^learned 2[01][0-9], already [0-9]+, moved 0, failed 0, of 210 messages" "210 spam offered"
diag "spam: $out"
out=$("$SL" -d "$DB" --ham $(cat "$T/tr_ham"))
like "$out" "^learned 200, already 0, moved 0, failed 0, of 200 messages" "200 ham learned"
diag "ham: $out"
nspam=$(stat_of "$DB" "as spam")
nham=$(stat_of "$DB" "as ham")
ok "at least 200 spam and 200 ham counted ($nspam, $nham)" [ "$nspam" -ge 200 ] && [ "$nham" -eq 200 ]
like "$("$SL" -d "$DB" --stats)" "verdicts given: +yes" "enough for a verdict"
is "$(stat -c %a "$DB/tokens.db") $(stat -c %a "$DB/seen.db")" "600 600" "store files are private"

"$SL" -d "$DB" --classify $(cat "$T/te_spam") >"$T/cs" 2>"$T/cs.err"
"$SL" -d "$DB" --classify $(cat "$T/te_ham") >"$T/ch" 2>"$T/ch.err"
is "$(wc -l <"$T/cs") $(wc -l <"$T/ch")" "100 100" "200 test messages classified"
s95=$(share "$T/cs" ge 0.95)
h05=$(share "$T/ch" lt 0.05)
s50=$(share "$T/cs" ge 0.5)
h50=$(share "$T/ch" lt 0.5)
diag "test spam at BAYES_95 or above: $s95%, test ham under BAYES_05: $h05%"
diag "test spam >= 0.5: $s50%, test ham < 0.5: $h50%"
diag "classify: $(cat "$T/cs.err") / $(cat "$T/ch.err")"
# SpamAssassin 4.0.1 itself, trained with sa-learn on the same 410
# messages, gives the same probabilities (81% and 84% at .95/.05 on
# this split): 200 of each is a small training set
ok "most test spam is BAYES_95+ ($s95%)" [ "$s95" -ge 75 ]
ok "most test ham is BAYES_00/05 ($h05%)" [ "$h05" -ge 75 ]
ok "test spam >= 0.5: $s50%" [ "$s50" -ge 90 ]
ok "test ham < 0.5: $h50%" [ "$h50" -ge 90 ]

# the mailsift style on the same messages
printf 'bayes_token_style mailsift\n' >"$T/ms.cf"
MDB=$T/bayes-ms
one=$(head -1 "$T/te_spam")
like "$("$SL" -d "$MDB" -c "$T/ms.cf" --tokens "$one" | grep -c '^2:')" "^[1-9][0-9]*$" \
    "mailsift style: word pair tokens"
is "$("$SL" -d "$MDB" --tokens "$one" | grep -c '^2:')" "0" "sa style: no word pairs"
"$SL" -q -d "$MDB" -c "$T/ms.cf" --spam $(cat "$T/tr_spam") >/dev/null 2>&1
"$SL" -q -d "$MDB" -c "$T/ms.cf" --ham $(cat "$T/tr_ham") >/dev/null 2>&1
like "$("$SL" -d "$MDB" -c "$T/ms.cf" --stats)" "token style: +mailsift" "the store records its style"
"$SL" -d "$MDB" -c "$T/ms.cf" --classify $(cat "$T/te_spam") >"$T/ms_cs" 2>/dev/null
"$SL" -d "$MDB" -c "$T/ms.cf" --classify $(cat "$T/te_ham") >"$T/ms_ch" 2>/dev/null
is "$(wc -l <"$T/ms_cs") $(wc -l <"$T/ms_ch")" "100 100" "mailsift style: 200 classified"
ms95=$(share "$T/ms_cs" ge 0.95)
mh05=$(share "$T/ms_ch" lt 0.05)
diag "mailsift style: test spam at BAYES_95+: $ms95% (sa style $s95%), ham under BAYES_05: $mh05% (sa style $h05%)"
ok "mailsift style: most test spam is BAYES_95+ ($ms95%)" [ "$ms95" -ge 75 ]
ok "mailsift style: most test ham is BAYES_00/05 ($mh05%)" [ "$mh05" -ge 75 ]
ok "mailsift style: test spam >= 0.5: $(share "$T/ms_cs" ge 0.5)%" [ "$(share "$T/ms_cs" ge 0.5)" -ge 90 ]
ok "mailsift style: test ham < 0.5: $(share "$T/ms_ch" lt 0.5)%" [ "$(share "$T/ms_ch" lt 0.5)" -ge 90 ]
# under the other style: refused with a reason, counts untouched
out=$("$SL" -d "$MDB" --spam "$one" 2>&1)
ok "sa style on a mailsift store: learning fails" [ $? -ne 0 ]
like "$out" "learn refused: the store holds tokens of bayes_token_style mailsift" "the reason is logged"
out=$("$SL" -d "$MDB" --classify "$one" 2>&1)
ok "sa style on a mailsift store: classifying fails" [ $? -ne 0 ]
like "$out" "classify refused" "the reason is logged"
like "$("$SL" -d "$MDB" --stats)" "token style: +mailsift \(not the configured one: refused\)" \
    "stats say the store is refused"
like "$("$SL" -d "$MDB" -c "$T/ms.cf" --check)" "consistent" "mailsift store consistent"
out=$("$SL" -d "$DB" -c "$T/ms.cf" --classify "$one" 2>&1)
ok "mailsift style on an sa store: classifying fails" [ $? -ne 0 ]

# learning twice, then as the other class
one=$(head -1 "$T/tr_spam")
like "$("$SL" -d "$DB" --spam "$one")" "^learned 0, already 1, moved 0" "the same spam again: already"
is "$(stat_of "$DB" "as spam") $(stat_of "$DB" "as ham")" "$nspam $nham" "counts unchanged"
like "$("$SL" -d "$DB" --ham "$one")" "^learned 0, already 0, moved 1" "then as ham: moved"
is "$(stat_of "$DB" "as spam") $(stat_of "$DB" "as ham")" "$((nspam - 1)) $((nham + 1))" "moved: spam-1, ham+1"
like "$("$SL" -d "$DB" --forget "$one")" "^forgot 1" "forget"
is "$(stat_of "$DB" "as spam") $(stat_of "$DB" "as ham")" "$((nspam - 1)) $nham" "forgotten"
like "$("$SL" -d "$DB" --check)" "consistent" "records match the counts"

# SIGKILL in the middle of a large mbox: the next open recovers
for f in $(cat "$T/more_spam"); do cat "$f"; echo; done >"$T/big.mbox"
total=$(grep -c '^From ' "$T/big.mbox")
KDB=$T/killed
spawn learner "$SL" -d "$KDB" --spam "$T/big.mbox"
lpid=$SPAWN_PID
grows() {
	local n
	n=$(stat_of "$KDB" "as spam" 2>/dev/null) || return 1
	[ -n "$n" ] && [ "$n" -ge 100 ]
}
ok "the learner's counts grow" wait_for "100 learned" 300 grows
kill -9 "$lpid"
wait "$lpid" 2>/dev/null
ok "the learner is gone" wait_for "learner gone" 50 eval '! pid_alive '"$lpid"
out=$("$SL" -d "$KDB" --check)
ok "after kill -9: the store opens and is consistent" [ $? -eq 0 ]
diag "$(echo "$out" | tr '\n' ';')"
n=$(stat_of "$KDB" "as spam")
ok "learned part of the mbox ($n of $total)" [ "$n" -gt 0 ] && [ "$n" -lt "$total" ]
like "$(echo "$out" | head -1)" "^spam: $n counted, $n seen records" "nspam = seen spam records"
out=$("$SL" -d "$KDB" --spam "$T/big.mbox")
already=$(echo "$out" | sed -n 's/.*already \([0-9]*\),.*/\1/p')
learned=$(echo "$out" | sed -n 's/^learned \([0-9]*\),.*/\1/p')
# the mbox holds a few duplicates: already counts them too
ok "relearning: the $n learned are already there ($out)" [ "$already" -ge "$n" ] && [ $((already + learned)) -eq "$total" ]
is "$(stat_of "$KDB" "as spam")" "$((n + learned))" "each message counted once"
like "$("$SL" -d "$KDB" --check)" "consistent" "consistent after finishing"

# two learners at once: no lost update
CDB=$T/concurrent
sed -n 1,150p "$T/more_spam" >"$T/set_a"
sed -n 151,300p "$T/more_spam" >"$T/set_b"
"$SL" -d "$CDB" --ham $(sed -n 1,5p "$T/tr_ham") >/dev/null
"$SL" -d "$CDB" --spam $(cat "$T/set_a") >"$T/a.out" 2>&1 &
pa=$!
"$SL" -d "$CDB" --spam $(cat "$T/set_b") >"$T/b.out" 2>&1 &
pb=$!
wait "$pa"
ra=$?
wait "$pb"
rb=$?
is "$ra $rb" "0 0" "both learners succeed"
la=$(sed -n 's/^learned \([0-9]*\),.*/\1/p' "$T/a.out")
lb=$(sed -n 's/^learned \([0-9]*\),.*/\1/p' "$T/b.out")
diag "learner a: $(cat "$T/a.out")"
diag "learner b: $(cat "$T/b.out")"
is "$(stat_of "$CDB" "as spam")" "$((la + lb))" "nspam is the sum ($la + $lb)"
like "$("$SL" -d "$CDB" --check)" "consistent" "consistent after concurrent learning"

# expiry keeps the most recently used tokens
ntok=$(stat_of "$DB" "^tokens")
like "$("$SL" -d "$DB" --expire $((ntok / 2)))" "^expired [0-9]+ tokens" "expire to half"
is "$(stat_of "$DB" "^tokens")" "$((ntok / 2))" "half the tokens left"
like "$("$SL" -d "$DB" --check)" "consistent" "consistent after expiry"

done_testing
