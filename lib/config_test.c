/*
 * config_test.c - unit tests of config.c: the parameter table, defaults,
 * the mailsift.cf syntax (continuations, comments, $name expansion),
 * typed values with units and bounds, "-o" overrides, error messages
 * with file:line and the parameter's name, config_dump and
 * config_split.  Each case writes mailsift.cf into a fresh temporary
 * directory.  Inputs: none (self-contained; the shipped conf/ is read
 * when the test runs from the top of the tree).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "mem.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];

/* make_dir - a fresh temporary directory for mailsift.cf */
static void
make_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/config_test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

/* cf_path - the file name of mailsift.cf in the temporary directory */
static void
cf_path(struct buf *path)
{
	buf_reset(path);
	buf_addf(path, "%s/mailsift.cf", tmpdir);
}

/* write_cf - make mailsift.cf hold text exactly */
static void
write_cf(const char *text)
{
	struct buf path = BUF_INIT;
	FILE *fp;

	cf_path(&path);
	if ((fp = fopen(buf_str(&path), "w")) == NULL ||
	    fwrite(text, 1, strlen(text), fp) != strlen(text) ||
	    fclose(fp) != 0) {
		perror(buf_str(&path));
		exit(2);
	}
	buf_free(&path);
}

/* load - write text as mailsift.cf and load it with overrides */
static struct config *
load(const char *text, char *const *ov, int nov, struct buf *err)
{
	buf_reset(err);
	write_cf(text);
	return config_load(tmpdir, ov, nov, err);
}

/* dump_value - (unescaped) the value config_dump shows for name; "" if absent */
static const char *
dump_value(const struct config *c, const char *name, struct buf *out)
{
	struct buf all = BUF_INIT;
	const char *p, *nl;
	size_t n = strlen(name);

	buf_reset(out);
	config_dump(c, 0, &all);
	for (p = buf_str(&all); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		if (strncmp(p, name, n) == 0 && strncmp(p + n, " = ", 3) == 0) {
			/* the dump writes a literal '$' as "$$" */
			for (p += n + 3; p < nl; p++) {
				if (*p == '$' && p[1] == '$')
					p++;
				buf_addc(out, *p);
			}
			break;
		}
	}
	buf_free(&all);
	return buf_str(out);
}

/* has_all - err contains every one of the (up to 4) substrings */
static int
has_all(const char *err, const char *const *want)
{
	int i;

	for (i = 0; i < 4 && want[i]; i++)
		if (strstr(err, want[i]) == NULL)
			return 0;
	return 1;
}

/* test_table - params.def itself: names, types, bounds, descriptions */
static void
test_table(void)
{
	int i, j, ok_name = 1, ok_type = 1, ok_bounds = 1, ok_desc = 1,
	    ok_uniq = 1, ok_progs = 1;
	const char *s;

	TEST_OK(config_nparams > 30, "%d parameters", config_nparams);
	for (i = 0; i < config_nparams; i++) {
		const struct config_param *p = &config_params[i];

		for (s = p->name; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || *s == '_' ||
			    (*s >= '0' && *s <= '9')))
				ok_name = 0;
		if (strcmp(p->type, "STR") && strcmp(p->type, "INT") &&
		    strcmp(p->type, "TIME") && strcmp(p->type, "SIZE") &&
		    strcmp(p->type, "BOOL"))
			ok_type = 0;
		if (p->max && p->min > p->max)
			ok_bounds = 0;
		if (p->desc == NULL || strlen(p->desc) < 10)
			ok_desc = 0;
		if (p->programs[0] == '\0' ||
		    strspn(p->programs, "MSQRCVA") != strlen(p->programs) ||
		    (p->live != 0 && p->live != 1))
			ok_progs = 0;
		for (j = 0; j < i; j++)
			if (strcmp(p->name, config_params[j].name) == 0)
				ok_uniq = 0;
	}
	TEST_OK(ok_name, "every name is [a-z0-9_]+");
	TEST_OK(ok_type, "every type is STR, INT, TIME, SIZE or BOOL");
	TEST_OK(ok_bounds, "min <= max wherever max is set");
	TEST_OK(ok_desc, "every parameter has a description");
	TEST_OK(ok_progs, "programs are from MSQRCVA, live is 0 or 1");
	TEST_OK(ok_uniq, "no name twice");
}

/* test_defaults - an empty mailsift.cf gives the table's defaults */
static void
test_defaults(void)
{
	struct buf err = BUF_INIT, v = BUF_INIT, out = BUF_INIT,
	    want = BUF_INIT;
	struct config *c;
	char host[256];
	int i, lines;
	const char *p;

	c = load("", NULL, 0, &err);
	TEST_OK(c != NULL, "empty mailsift.cf loads: %s", buf_str(&err));
	if (c == NULL)
		return;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	TEST_IS_STR(c->config_directory, tmpdir, "config_directory");
	TEST_IS_STR(c->queue_directory, "/var/spool/mailsift",
	    "queue_directory default");
	TEST_IS_STR(c->pid_file, "/var/spool/mailsift/pid/mailsiftd.pid",
	    "pid_file default expands $queue_directory");
	TEST_IS_STR(c->control_socket, "/var/spool/mailsift/pid/control",
	    "control_socket default expands $queue_directory");
	TEST_IS_STR(c->myhostname, host, "myhostname defaults to the "
	    "system's name");
	buf_addf(&want, "%s ESMTP mailsift", host);
	TEST_IS_STR(c->smtpd_banner, buf_str(&want), "smtpd_banner expands "
	    "$myhostname");
	TEST_IS_STR(c->smtp_helo_name, host, "smtp_helo_name = $myhostname");
	TEST_IS_STR(c->program_directory, "", "program_directory \"\"");
	TEST_IS_INT(c->max_use, 1000, "max_use (INT)");
	TEST_IS_INT(c->max_idle, 100, "max_idle 100s (TIME)");
	TEST_IS_INT(c->duplicate_window, 5 * 86400, "duplicate_window 5d");
	TEST_IS_INT(c->message_size_limit, 10240000, "message_size_limit "
	    "(SIZE)");
	TEST_IS_INT(c->smtpd_forbid_bare_newline, 1, "BOOL yes");
	TEST_IS_INT(c->queue_fsync, 1, "queue_fsync yes");
	TEST_IS_INT(c->nset, 0, "nothing set");

	/* config_dump: one line per parameter, and nothing "changed" */
	config_dump(c, 0, &out);
	for (lines = 0, p = buf_str(&out); *p; p++)
		lines += *p == '\n';
	TEST_IS_INT(lines, config_nparams, "config_dump(all): one line each");
	for (i = 0; i < config_nparams; i++) {
		buf_reset(&want);
		buf_addf(&want, "%s%s = ", i ? "\n" : "",
		    config_params[i].name);
		if (i == 0 ? strncmp(buf_str(&out), buf_str(&want) ,
		    want.len) != 0 : strstr(buf_str(&out), buf_str(&want))
		    == NULL)
			break;
	}
	TEST_IS_INT(i, config_nparams, "config_dump(all) names each one");
	TEST_IS_STR(dump_value(c, "max_idle", &v), "100s", "TIME dumps as Ns");
	TEST_IS_STR(dump_value(c, "queue_fsync", &v), "yes", "BOOL as yes");
	buf_reset(&out);
	config_dump(c, 1, &out);
	TEST_IS_STR(buf_str(&out), "", "config_dump(changed) of defaults");
	config_free(c);

	/* white space only, comments only: still the defaults */
	c = load("\n\n   \n\t\n# comment\n#queue_directory = /x\n", NULL, 0,
	    &err);
	TEST_OK(c && c->nset == 0 && strcmp(c->queue_directory,
	    "/var/spool/mailsift") == 0, "blank and comment lines only");
	config_free(c);
	buf_free(&err);
	buf_free(&v);
	buf_free(&out);
	buf_free(&want);
}

/*
 * Files that load: the text of mailsift.cf, a parameter, and the value
 * config_dump shows for it (TIME in seconds with "s", SIZE in bytes).
 */
static const struct {
	const char	*text, *name, *value;
} good[] = {
	/* syntax */
	{ "mail_owner = bob\n", "mail_owner", "bob" },
	{ "mail_owner=bob", "mail_owner", "bob" },	/* no spaces, no NL */
	{ "mail_owner \t=\t bob \t\n", "mail_owner", "bob" },
	{ "mail_owner = bob\r\n", "mail_owner", "bob" },	/* CRLF */
	{ "mail_owner =\n", "mail_owner", "" },
	{ "mail_owner = a = b\n", "mail_owner", "a = b" },
	{ "mail_owner = a\nmail_owner = b\n", "mail_owner", "b" },
	{ "mail_owner = x # not a comment\n", "mail_owner",
	    "x # not a comment" },
	/* continuation lines */
	{ "mail_owner = a\n b\n", "mail_owner", "a b" },
	{ "mail_owner = a\n\tb\n    c   \n", "mail_owner", "a b c" },
	{ "mail_owner =\n  a\n", "mail_owner", "a" },
	{ "mail_owner = a\n# comment\n b\n", "mail_owner", "a b" },
	{ "mail_owner = a\n\n", "mail_owner", "a" },
	{ "mail_owner = a\n  \nmax_use = 5\n", "mail_owner", "a" },
	{ "mail_owner = a\n  \nmax_use = 5\n", "max_use", "5" },
	/* $name and ${name} */
	{ "queue_directory = /q\n", "pid_file", "/q/pid/mailsiftd.pid" },
	{ "queue_directory = /q\n", "control_socket", "/q/pid/control" },
	{ "pid_file = /run/x.pid\nqueue_directory = /q\n", "pid_file",
	    "/run/x.pid" },
	{ "myhostname = mx.example\n", "smtpd_banner",
	    "mx.example ESMTP mailsift" },
	{ "myhostname = mx.example\n", "smtp_helo_name", "mx.example" },
	{ "syslog_name = ${mail_owner}x\n", "syslog_name", "mailsiftx" },
	{ "syslog_name = $mail_owner.x\n", "syslog_name", "mailsift.x" },
	{ "syslog_name = $mail_owner/$mail_owner\n", "syslog_name",
	    "mailsift/mailsift" },
	{ "syslog_name = <$mail_owner>\nmail_owner = late\n", "syslog_name",
	    "<late>" },	/* a reference to a later line */
	{ "syslog_name = $log_file|\n", "syslog_name", "|" },	/* "" */
	{ "syslog_name = a$$b\n", "syslog_name", "a$b" },
	{ "syslog_name = $$mail_owner\n", "syslog_name", "$mail_owner" },
	{ "syslog_name = $$$mail_owner\n", "syslog_name", "$mailsift" },
	{ "syslog_name = $$\n", "syslog_name", "$" },
	{ "mail_owner = $syslog_name\nsyslog_name = ${log_file}z\n"
	    "log_file = f\n", "mail_owner", "fz" },	/* three deep */
	/* TIME units */
	{ "max_idle = 45\n", "max_idle", "45s" },
	{ "max_idle = 30s\n", "max_idle", "30s" },
	{ "max_idle = 5m\n", "max_idle", "300s" },
	{ "max_idle = 2h\n", "max_idle", "7200s" },
	{ "max_idle = 1d\n", "max_idle", "86400s" },
	{ "duplicate_window = 1w\n", "duplicate_window", "604800s" },
	{ "stop_grace_time = 0\n", "stop_grace_time", "0s" },	/* min 0 */
	{ "max_idle = 1\n", "max_idle", "1s" },		/* at min */
	{ "max_idle = 86400\n", "max_idle", "86400s" },	/* at max */
	/* SIZE units */
	{ "message_size_limit = 2048\n", "message_size_limit", "2048" },
	{ "message_size_limit = 10k\n", "message_size_limit", "10240" },
	{ "message_size_limit = 10K\n", "message_size_limit", "10240" },
	{ "message_size_limit = 10M\n", "message_size_limit", "10485760" },
	{ "message_size_limit = 10m\n", "message_size_limit", "10485760" },
	{ "message_size_limit = 2G\n", "message_size_limit", "2147483648" },
	{ "message_size_limit = 1024\n", "message_size_limit", "1024" },
	/* INT and BOOL */
	{ "max_use = 1\n", "max_use", "1" },
	{ "max_use = 1000000\n", "max_use", "1000000" },
	{ "max_use = 007\n", "max_use", "7" },		/* decimal, not octal */
	{ "queue_fsync = no\n", "queue_fsync", "no" },
	{ "queue_fsync = yes\n", "queue_fsync", "yes" },
	{ "smtp_send_xforward_command = no\n", "smtp_send_xforward_command",
	    "no" },
};

/* test_good - each file of the table loads and has the value */
static void
test_good(void)
{
	struct buf err = BUF_INIT, v = BUF_INIT;
	struct config *c;
	size_t i;

	for (i = 0; i < NELEM(good); i++) {
		c = load(good[i].text, NULL, 0, &err);
		TEST_OK(c != NULL, "good %zu loads%s%s", i, err.len ? ": " :
		    "", buf_str(&err));
		if (c == NULL)
			continue;
		TEST_IS_STR(dump_value(c, good[i].name, &v), good[i].value,
		    "good %zu: %s", i, good[i].name);
		config_free(c);
	}

	/* Postfix: a line whose first non-blank is '#' is a comment */
	c = load("mail_owner = a\n  # indented comment\n", NULL, 0, &err);
	TEST_OK(c && strcmp(c->mail_owner, "a") == 0, "an indented '#' "
	    "line is a comment, not a continuation (got \"%s\")",
	    c ? c->mail_owner : "(null)");
	config_free(c);
	buf_free(&err);
	buf_free(&v);
}

/*
 * Files that do not load: the text, and what the error must contain
 * (the file name with the line, the parameter, the reason).
 */
static const struct {
	const char	*text;
	const char	*want[4];
} bad[] = {
	/* syntax */
	{ "bogus_param = 1\n",
	    { "mailsift.cf:1:", "unknown parameter", "\"bogus_param\"" } },
	{ "\n\n# c\nmail_owner = a\n\tb\nbogus = 1\n",
	    { "mailsift.cf:6:", "unknown parameter", "bogus" } },
	{ "Mail_Owner = x\n", { "mailsift.cf:1:", "Mail_Owner" } },
	{ "= x\n", { "mailsift.cf:1:", "unknown parameter \"\"" } },
	{ "mail_owner x\n", { "mailsift.cf:1:", "missing '='" } },
	{ "  mail_owner = x\n", { "mailsift.cf:1:", "continuation" } },
	{ "# c\n\tb\n", { "mailsift.cf:2:", "continuation" } },
	{ "mail_owner = a\n\n  b\n", { "mailsift.cf:3:", "continuation" } },
	/* BOOL */
	{ "queue_fsync = maybe\n",
	    { "mailsift.cf:1:", "queue_fsync", "\"maybe\"", "yes or no" } },
	{ "queue_fsync = Yes\n", { "mailsift.cf:1:", "queue_fsync" } },
	{ "queue_fsync = 1\n", { "mailsift.cf:1:", "queue_fsync" } },
	{ "queue_fsync =\n", { "mailsift.cf:1:", "queue_fsync" } },
	/* TIME */
	{ "max_idle = 30x\n", { "mailsift.cf:1:", "max_idle", "\"30x\"",
	    "bad value" } },
	{ "max_idle = 30ss\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = 30 s\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = 30S\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = s\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = -5\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = +5\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle =\n", { "mailsift.cf:1:", "max_idle", "bad value" } },
	{ "max_idle = 2d\n", { "mailsift.cf:1:", "max_idle", "out of range",
	    "1..86400" } },
	{ "max_idle = 0\n", { "mailsift.cf:1:", "max_idle", "out of range" } },
	{ "max_idle = 86401\n", { "max_idle", "out of range" } },
	{ "duplicate_window = 9999999999999999w\n",
	    { "mailsift.cf:1:", "duplicate_window", "bad value" } },
	/* SIZE */
	{ "message_size_limit = 10X\n",
	    { "mailsift.cf:1:", "message_size_limit", "bad value" } },
	{ "message_size_limit = 10MB\n",
	    { "mailsift.cf:1:", "message_size_limit", "bad value" } },
	{ "message_size_limit = 1023\n",
	    { "mailsift.cf:1:", "message_size_limit", "out of range" } },
	{ "message_size_limit = 1k\n",		/* 1024: fine */
	    { NULL } },
	{ "message_size_limit = 99999999999G\n",
	    { "message_size_limit", "bad value" } },
	/* INT */
	{ "max_use = 10k\n", { "mailsift.cf:1:", "max_use", "bad value",
	    "a number" } },
	{ "max_use = abc\n", { "mailsift.cf:1:", "max_use", "bad value" } },
	{ "max_use = 0\n", { "mailsift.cf:1:", "max_use", "out of range" } },
	{ "max_use = 1000001\n", { "max_use", "out of range" } },
	{ "max_use = 0x10\n", { "max_use", "bad value" } },
	{ "max_use = 99999999999999999999\n", { "max_use", "bad value" } },
	{ "max_use = 1.5\n", { "max_use", "bad value" } },
	/* expansion */
	{ "syslog_name = $nonexistent\n",
	    { "mailsift.cf:1:", "syslog_name", "bad $name reference" } },
	{ "syslog_name = ${mail_owner\n", { "mailsift.cf:1:", "syslog_name",
	    "bad $name" } },
	{ "syslog_name = ${}\n", { "mailsift.cf:1:", "syslog_name" } },
	{ "syslog_name = x$\n", { "mailsift.cf:1:", "syslog_name" } },
	{ "syslog_name = $-x\n", { "mailsift.cf:1:", "syslog_name" } },
	{ "syslog_name = ${Mail_owner}\n", { "mailsift.cf:1:" } },
	/* a loop of two STR parameters, and of one with itself */
	{ "syslog_name = $mail_owner\nmail_owner = $syslog_name\n",
	    { "mailsift.cf:", "loop" } },
	{ "mail_owner = x${mail_owner}\n", { "mailsift.cf:1:", "mail_owner",
	    "loop" } },
	/* a bad value that only appears after expansion */
	{ "mail_owner = abc\n\nmax_idle = $mail_owner\n",
	    { "mailsift.cf:3:", "max_idle", "\"abc\"" } },
	/* a default that refers to a parameter with a bad value */
	{ "queue_directory = ${\n", { "queue_directory" } },
};

/* test_bad - each file of the table fails with the right message */
static void
test_bad(void)
{
	struct buf err = BUF_INIT;
	struct config *c;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		c = load(bad[i].text, NULL, 0, &err);
		if (bad[i].want[0] == NULL) {
			TEST_OK(c != NULL, "not bad %zu: %s", i, buf_str(&err));
			config_free(c);
			continue;
		}
		TEST_OK(c == NULL, "bad %zu is refused", i);
		config_free(c);
		TEST_OK(has_all(buf_str(&err), bad[i].want),
		    "bad %zu: message \"%s\"", i, buf_str(&err));
	}
	buf_free(&err);
}

/* test_overrides - "-o name=value" wins and is named "-o" in errors */
static void
test_overrides(void)
{
	char *ov1[] = { "mail_owner=over", "queue_directory = /oq" };
	char *ov2[] = { "mail_owner=first", "mail_owner=second" };
	char *ov3[] = { "bogus=1" };
	char *ov4[] = { "max_idle=xyz" };
	char *ov5[] = { "mail_owner" };
	char *ov6[] = { "syslog_name=$mail_owner-$$" };
	char *ov7[] = { "max_idle=10" };
	struct buf err = BUF_INIT;
	struct config *c;

	c = load("mail_owner = file\nqueue_directory = /fq\n", ov1, 2, &err);
	TEST_OK(c != NULL, "file plus -o loads: %s", buf_str(&err));
	if (c) {
		TEST_IS_STR(c->mail_owner, "over", "-o wins over the file");
		TEST_IS_STR(c->queue_directory, "/oq", "-o with spaces "
		    "around =");
		TEST_IS_STR(c->pid_file, "/oq/pid/mailsiftd.pid", "defaults "
		    "expand the overridden value");
		TEST_IS_INT(c->nset, 2, "a parameter in the file and in -o "
		    "counts once");
	}
	config_free(c);

	c = load("", ov2, 2, &err);
	TEST_OK(c && strcmp(c->mail_owner, "second") == 0, "the last -o wins");
	config_free(c);

	c = load("", ov6, 1, &err);
	TEST_OK(c && strcmp(c->syslog_name, "mailsift-$") == 0,
	    "-o values are expanded");
	config_free(c);

	c = load("", ov3, 1, &err);
	TEST_OK(c == NULL, "-o of an unknown parameter is refused");
	TEST_OK(strncmp(buf_str(&err), "-o bogus=1:", 11) == 0 &&
	    strstr(buf_str(&err), "\"bogus\"") != NULL &&
	    strstr(buf_str(&err), "mailsift.cf") == NULL,
	    "error names -o, not the file: %s", buf_str(&err));

	c = load("max_idle = 10\n", ov4, 1, &err);
	TEST_OK(c == NULL, "-o with a bad value is refused");
	TEST_OK(strstr(buf_str(&err), "-o max_idle=xyz") != NULL &&
	    strstr(buf_str(&err), "parameter max_idle") != NULL &&
	    strstr(buf_str(&err), "mailsift.cf") == NULL,
	    "error names -o and the parameter: %s", buf_str(&err));

	c = load("", ov5, 1, &err);
	TEST_OK(c == NULL && strstr(buf_str(&err), "-o mail_owner") &&
	    strstr(buf_str(&err), "missing '='"), "-o without '=': %s",
	    buf_str(&err));

	/* a bad file is reported even when -o sets the same parameter */
	c = load("max_idle = junk\n", ov7, 1, &err);
	TEST_OK(c != NULL, "-o replaces a bad value in the file before it "
	    "is checked");
	config_free(c);
	c = load("bogus = 1\n", ov7, 1, &err);
	TEST_OK(c == NULL && strstr(buf_str(&err), "mailsift.cf:1"),
	    "an unknown name in the file is an error despite -o");
	buf_free(&err);
}

/* test_missing - no mailsift.cf, no directory */
static void
test_missing(void)
{
	struct buf err = BUF_INIT, path = BUF_INIT;
	struct config *c;

	cf_path(&path);
	unlink(buf_str(&path));
	c = config_load(tmpdir, NULL, 0, &err);
	TEST_OK(c == NULL, "a missing mailsift.cf is an error");
	TEST_OK(strstr(buf_str(&err), buf_str(&path)) &&
	    strstr(buf_str(&err), "No such file"), "the error names the "
	    "file: %s", buf_str(&err));
	buf_reset(&err);
	c = config_load("/nonexistent/config_test", NULL, 0, &err);
	TEST_OK(c == NULL && strstr(buf_str(&err),
	    "/nonexistent/config_test/mailsift.cf"), "a missing directory: %s",
	    buf_str(&err));
	buf_free(&err);
	buf_free(&path);
}

/* test_dump - changed_only lists exactly what the file and -o set */
static void
test_dump(void)
{
	char *ov[] = { "myhostname=h.example", "mail_owner=o" };
	struct buf err = BUF_INIT, out = BUF_INIT, again = BUF_INIT;
	struct config *c, *d;

	c = load("queue_fsync = no\nmax_idle = 5m\nmail_owner = x\n"
	    "message_size_limit = 1M\n", ov, 2, &err);
	TEST_OK(c != NULL, "dump: loads: %s", buf_str(&err));
	if (c == NULL)
		return;
	TEST_IS_INT(c->nset, 5, "five parameters set");
	config_dump(c, 1, &out);
	/* in table order, typed values shown the way the file takes them */
	TEST_IS_STR(buf_str(&out), "mail_owner = o\n"
	    "myhostname = h.example\n"
	    "max_idle = 300s\n"
	    "message_size_limit = 1048576\n"
	    "queue_fsync = no\n", "config_dump(changed_only)");

	/* what config_dump(all) prints loads again to the same values */
	buf_reset(&out);
	config_dump(c, 0, &out);
	write_cf(buf_str(&out));
	buf_reset(&err);
	d = config_load(tmpdir, NULL, 0, &err);
	TEST_OK(d != NULL, "config_dump(all) output loads: %s",
	    buf_str(&err));
	if (d) {
		config_dump(d, 0, &again);
		TEST_IS_STR(buf_str(&again), buf_str(&out),
		    "and dumps the same");
		TEST_IS_INT(d->nset, config_nparams, "every parameter set");
	}
	config_free(d);
	config_free(c);

	/* a literal '$' (written "$$") must survive a dump and a reload */
	c = load("syslog_name = a$$b\n", NULL, 0, &err);
	buf_reset(&out);
	if (c)
		config_dump(c, 1, &out);
	write_cf(buf_str(&out));
	buf_reset(&err);
	d = config_load(tmpdir, NULL, 0, &err);
	TEST_OK(d && strcmp(d->syslog_name, "a$b") == 0, "config_dump "
	    "output \"%.*s\" loads again: %s", (int)(out.len ? out.len - 1 :
	    0), buf_str(&out), d ? "yes" : buf_str(&err));
	config_free(d);
	config_free(c);
	buf_free(&err);
	buf_free(&out);
	buf_free(&again);
}

/* test_shipped - conf/mailsift.cf loads and changes nothing */
static void
test_shipped(void)
{
	struct buf err = BUF_INIT;
	struct config *c;

	if (access("conf/mailsift.cf", R_OK) != 0) {
		printf("ok %d # SKIP conf/mailsift.cf not here (run from the "
		    "top of the tree)\n", ++test_n);
		return;
	}
	c = config_load("conf", NULL, 0, &err);
	TEST_OK(c != NULL, "conf/mailsift.cf loads: %s", buf_str(&err));
	if (c)
		TEST_IS_INT(c->nset, 0, "conf/mailsift.cf sets nothing");
	config_free(c);
	buf_free(&err);
}

/*
 * config_split: a list and the words it splits into ("|"-joined).
 */
static const struct {
	const char	*in;
	int		 n;
	const char	*joined;
} splits[] = {
	{ "", 0, "" },
	{ "   ", 0, "" },
	{ ",,, ,", 0, "" },
	{ "a", 1, "a" },
	{ "a b", 2, "a|b" },
	{ "a,b", 2, "a|b" },
	{ "a, b", 2, "a|b" },
	{ " ,a,, b\t\nc , ", 3, "a|b|c" },
	{ "127.0.0.0/8 ::1/128", 2, "127.0.0.0/8|::1/128" },
	{ "one;two three", 2, "one;two|three" },
};

/* test_split - the table above; count may be NULL */
static void
test_split(void)
{
	struct buf j = BUF_INIT;
	char **v;
	size_t i;
	int n, k;

	for (i = 0; i < NELEM(splits); i++) {
		n = -1;
		v = config_split(splits[i].in, &n);
		buf_reset(&j);
		for (k = 0; v[k]; k++)
			buf_addf(&j, "%s%s", k ? "|" : "", v[k]);
		TEST_OK(n == splits[i].n && k == n &&
		    strcmp(buf_str(&j), splits[i].joined) == 0,
		    "config_split case %zu: %d \"%s\"", i, n, buf_str(&j));
		config_split_free(v);
	}
	v = config_split("x y", NULL);
	TEST_OK(v[0] && v[1] && v[2] == NULL, "config_split with count NULL");
	config_split_free(v);
	config_split_free(NULL);
	buf_free(&j);
}

/* test_aliases - clamd.conf's names set the scanner's parameters */
static void
test_aliases(void)
{
	struct buf err = BUF_INIT;
	struct config *c;

	c = load("MaxThreads = 7\nArchiveMaxRecursion = 9\nMaxFiles = 123\n"
	    "MaxFileSize = 5M\nMaxScanTime = 1500\nSelfCheck = 3600\n"
	    "ScanArchive = false\nScanMail = true\n"
	    "LocalSocket = /tmp/x.ctl\nTCPSocket = 3310\n", NULL, 0, &err);
	TEST_OK(c != NULL, "clamd.conf names load: %s", buf_str(&err));
	if (c) {
		TEST_OK(c->max_threads == 7, "MaxThreads -> max_threads");
		TEST_OK(c->archive_max_recursion == 9,
		    "ArchiveMaxRecursion -> archive_max_recursion");
		TEST_OK(c->archive_max_files == 123, "MaxFiles");
		TEST_OK(c->archive_max_file_size == 5 * 1024 * 1024,
		    "MaxFileSize 5M");
		TEST_OK(c->max_scan_time == 2, "MaxScanTime 1500 ms -> 2 s");
		TEST_OK(c->self_check == 3600, "SelfCheck");
		TEST_OK(c->scan_archive == 0 && c->scan_mail == 1,
		    "true/false booleans");
		TEST_OK(strcmp(c->local_socket, "/tmp/x.ctl") == 0 &&
		    c->tcp_socket == 3310, "LocalSocket, TCPSocket");
		config_free(c);
	}
	c = load("maxthreads = 7\n", NULL, 0, &err);
	TEST_OK(c == NULL && strstr(buf_str(&err), "unknown parameter"),
	    "aliases are case-sensitive, as clamd.conf: %s", buf_str(&err));
	config_free(c);
	c = load("MaxThreads = 0\n", NULL, 0, &err);
	TEST_OK(c == NULL && strstr(buf_str(&err), "max_threads"),
	    "an alias's bad value names the parameter: %s", buf_str(&err));
	config_free(c);
	buf_free(&err);
}

/* main - run every area */
int
main(void)
{
	struct buf path = BUF_INIT;

	make_dir();
	test_table();
	test_defaults();
	test_good();
	test_bad();
	test_overrides();
	test_dump();
	test_missing();
	test_shipped();
	test_split();
	test_aliases();
	cf_path(&path);
	unlink(buf_str(&path));
	rmdir(tmpdir);
	buf_free(&path);
	TEST_DONE();
}
