#!/bin/bash
# 05-config.t - configuration errors are caught and named: an unknown
# parameter or a bad value makes mailsiftd exit non-zero and print
# file:line and the parameter; every parameter of the table is in the
# sample conf/mailsift.cf and used by some program.
. "$(dirname "$0")/../lib.sh"
ms_tmpdir
ms_setup ms "$(free_port)" "$(free_port)"
CONF=$T/ms/conf

ok "the test configuration is valid" "$MS_BIN/mailsiftd" -c "$CONF" -t
ok "the default configuration is valid" "$MS_BIN/mailsiftd" -c "$MS_TOP/conf" -t

cp "$CONF/mailsift.cf" "$T/good.cf"
printf 'no_such_parameter = 1\n' >> "$CONF/mailsift.cf"
line=$(wc -l < "$CONF/mailsift.cf")
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
isnt "$rc" 0 "unknown parameter: mailsiftd exits non-zero"
like "$out" "mailsift\.cf:$line: unknown parameter \"no_such_parameter\"" \
	"unknown parameter: file:line and name printed"

cp "$T/good.cf" "$CONF/mailsift.cf"
printf 'read_timeout = soon\n' >> "$CONF/mailsift.cf"
line=$(wc -l < "$CONF/mailsift.cf")
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
isnt "$rc" 0 "bad time value: exits non-zero"
like "$out" "mailsift\.cf:$line: parameter read_timeout: bad value \"soon\"" \
	"bad time value: file:line and name printed"

cp "$T/good.cf" "$CONF/mailsift.cf"
printf 'queue_fsync = maybe\n' >> "$CONF/mailsift.cf"
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
like "$out" "parameter queue_fsync: bad value \"maybe\" \(yes or no expected\)" \
	"bad boolean named"

cp "$T/good.cf" "$CONF/mailsift.cf"
printf 'smtpd_recipient_limit = 0\n' >> "$CONF/mailsift.cf"
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
like "$out" "parameter smtpd_recipient_limit: value \"0\" out of range" \
	"out-of-range value named"

cp "$T/good.cf" "$CONF/mailsift.cf"
cp "$CONF/master.cf" "$T/good-master.cf"
printf 'bogus unix y y n - 1\n' >> "$CONF/master.cf"
line=$(wc -l < "$CONF/master.cf")
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
isnt "$rc" 0 "bad master.cf line: exits non-zero"
like "$out" "master\.cf:$line: expected 8 columns" "bad master.cf line named"
cp "$T/good-master.cf" "$CONF/master.cf"

printf 'nobody-here unix y y n - 1 no-such-program\n' >> "$CONF/master.cf"
out=$("$MS_BIN/mailsiftd" -c "$CONF" -f 2>&1); rc=$?
like "$out" "no-such-program: No such file" "missing program named"
cp "$T/good-master.cf" "$CONF/master.cf"

# every parameter is documented in the sample and used somewhere
params=$(sed -n 's/^PARAM(\([a-z_0-9]*\),.*/\1/p' "$MS_TOP/lib/params.def")
missing=; unused=
for p in $params; do
	grep -q "^#\{0,1\}$p = " "$MS_TOP/conf/mailsift.cf" || missing="$missing $p"
	grep -rqw --include='*.c' "$p" "$MS_TOP/master" "$MS_TOP/smtpd-in" \
		"$MS_TOP/qmgr" "$MS_TOP/scanner" "$MS_TOP/scorer" "$MS_TOP/lib" || unused="$unused $p"
done
is "$missing" "" "every parameter is in conf/mailsift.cf"
is "$unused" "" "every parameter is used by some program"
done_testing
