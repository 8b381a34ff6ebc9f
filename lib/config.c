/*
 * config.c - parse mailsift.cf into a typed, read-only struct config.
 *
 * Syntax as Postfix's main.cf: "name = value", '#' comments on lines of
 * their own, a line that starts with white space continues the one
 * before.  Values may refer to other parameters as $name or ${name}
 * ($$ is a dollar).  An unknown name, a bad value or a value out of its
 * bounds is an error naming the file and line; nothing is guessed.
 *
 * Inputs: the configuration file (trusted but error-prone: written by
 * a human).  Runs as root in the master and before the privilege drop
 * in children.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"

const struct config *cf;

const struct config_param config_params[] = {
#define PARAM(name, type, def, min, max, progs, live, desc) \
	{ #name, #type, def, min, max, progs, live, desc },
#include "params.def"
#undef PARAM
};
const int config_nparams = sizeof(config_params) / sizeof(config_params[0]);

/* Where each field lives in struct config, in table order. */
static const size_t param_offset[] = {
#define PARAM(name, type, def, min, max, progs, live, desc) \
	offsetof(struct config, name),
#include "params.def"
#undef PARAM
};

struct raw {
	char	*value;		/* unexpanded */
	char	*where;		/* "file:line", "-o" or NULL for default */
};

/* param_index - index of name in the table, or -1 */
static int
param_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < config_nparams; i++)
		if (strlen(config_params[i].name) == len &&
		    strncmp(config_params[i].name, name, len) == 0)
			return i;
	return -1;
}

/*
 * clamd.conf's names for the scanner's parameters, so that a
 * postmaster's clamd settings can be pasted in.  ms: clamd.conf gives
 * the value in milliseconds where mailsift.cf wants seconds.
 */
static const struct alias {
	const char	*alias, *name;
	int		 ms;
} aliases[] = {
	{ "DatabaseDirectory", "database_directory", 0 },
	{ "LocalSocket", "local_socket", 0 },
	{ "LocalSocketMode", "local_socket_mode", 0 },
	{ "TCPSocket", "tcp_socket", 0 },
	{ "TCPAddr", "tcp_addr", 0 },
	{ "MaxThreads", "max_threads", 0 },
	{ "MaxConnectionQueueLength", "max_connection_queue_length", 0 },
	{ "SelfCheck", "self_check", 0 },
	{ "ScanMail", "scan_mail", 0 },
	{ "ScanArchive", "scan_archive", 0 },
	{ "MaxRecursion", "archive_max_recursion", 0 },
	{ "ArchiveMaxRecursion", "archive_max_recursion", 0 },
	{ "MaxFiles", "archive_max_files", 0 },
	{ "ArchiveMaxFiles", "archive_max_files", 0 },
	{ "MaxFileSize", "archive_max_file_size", 0 },
	{ "ArchiveMaxFileSize", "archive_max_file_size", 0 },
	{ "MaxScanSize", "max_scan_size", 0 },
	{ "MaxScanTime", "max_scan_time", 1 },
	{ "StreamMaxLength", "stream_max_length", 0 },
	{ "DisableCache", "disable_cache", 0 },
	{ "TemporaryDirectory", "temporary_directory", 0 },
	{ "CommandReadTimeout", "command_read_timeout", 0 },
};

/* unalias - the mailsift name of a clamd.conf name, or name itself */
static const char *
unalias(const char *name, int *ms)
{
	size_t i;

	*ms = 0;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].alias, name) == 0) {
			*ms = aliases[i].ms;
			return aliases[i].name;
		}
	return name;
}

/* trim - strip white space at both ends, in place */
static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* set_raw - record name = value from where; -1 with err if bad */
static int
set_raw(struct raw *raw, const char *line, const char *where,
    struct buf *err)
{
	const char *eq = strchr(line, '=');
	char *name, *value, *name_mem, *value_mem;
	const char *pname;
	int i, ms;

	if (eq == NULL) {
		buf_addf(err, "%s: missing '=' in \"%.60s\"", where, line);
		return -1;
	}
	/* trim() may move past leading blanks: free what was allocated */
	name = trim(name_mem = xstrndup(line, (size_t)(eq - line)));
	value = trim(value_mem = xstrdup(eq + 1));
	pname = unalias(name, &ms);
	i = param_index(pname, strlen(pname));
	if (i >= 0 && ms) {
		/* milliseconds, rounded up to whole seconds */
		char *end, sec[32];
		long long v;

		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno == 0 && end != value && *end == '\0' && v >= 0 &&
		    v < LLONG_MAX - 999) {
			snprintf(sec, sizeof(sec), "%lld", (v + 999) / 1000);
			xfree(value_mem);
			value = value_mem = xstrdup(sec);
		}
	}
	if (i < 0) {
		buf_addf(err, "%s: unknown parameter \"%s\"", where, name);
		xfree(name_mem);
		xfree(value_mem);
		return -1;
	}
	xfree(raw[i].value);
	xfree(raw[i].where);
	raw[i].value = xstrdup(value);
	raw[i].where = xstrdup(where);
	xfree(name_mem);
	xfree(value_mem);
	return 0;
}

/* read_file - read every logical line of path into raw */
static int
read_file(struct raw *raw, const char *path, struct buf *err, int lenient)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct buf logical = BUF_INIT, where = BUF_INIT;
	int lineno = 0, start = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_addf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = getline(&line, &cap, fp);
		if (n >= 0)
			lineno++;
		/* a comment: '#' first on the line, after white space or not */
		if (n >= 0 && line[strspn(line, " \t")] == '#')
			continue;
		/* a continuation line: white space first, then something */
		if (n > 0 && isspace((unsigned char)line[0]) &&
		    *trim(line) != '\0') {
			if (logical.len == 0) {
				buf_addf(err, "%s:%d: continuation line "
				    "without a parameter before it", path,
				    lineno);
				rc = -1;
				break;
			}
			buf_addc(&logical, ' ');
			buf_adds(&logical, trim(line));
			continue;
		}
		if (logical.len) {
			buf_reset(&where);
			buf_addf(&where, "%s:%d", path, start);
			if (set_raw(raw, buf_str(&logical), buf_str(&where),
			    err) < 0) {
				rc = -1;
				if (!lenient)
					break;
				buf_adds(err, "; ");
			}
			buf_reset(&logical);
		}
		if (n < 0)
			break;
		if (*trim(line) == '\0')
			continue;
		start = lineno;
		buf_adds(&logical, trim(line));
	}
	if (rc == 0 && ferror(fp)) {
		buf_addf(err, "%s: read error: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	buf_free(&logical);
	buf_free(&where);
	fclose(fp);
	return rc;
}

/* expand - value with $name references replaced; -1 with err if bad */
static int
expand(struct raw *raw, int i, int depth, struct buf *out, struct buf *err)
{
	const char *p = raw[i].value, *name;
	size_t len;
	int j;

	if (depth > 20) {
		buf_addf(err, "%s: parameter %s: $name references nest too "
		    "deep (a loop?)", raw[i].where ? raw[i].where : "default",
		    config_params[i].name);
		return -1;
	}
	while (*p) {
		if (*p != '$') {
			buf_addc(out, *p++);
			continue;
		}
		p++;
		if (*p == '$') {
			buf_addc(out, *p++);
			continue;
		}
		if (*p == '{') {
			name = ++p;
			while (*p && *p != '}')
				p++;
			if (*p != '}')
				goto bad;
			len = (size_t)(p - name);
			p++;
		} else {
			name = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			len = (size_t)(p - name);
		}
		if (len >= 4 && strncmp(name, "rbl_", 4) == 0) {
			/* Postfix's reply variables (default_rbl_reply): kept
			 * as written, smtpd-in fills them in per refusal */
			buf_addc(out, '$');
			if (name[-1] == '{')
				buf_addc(out, '{');
			buf_add(out, name, len);
			if (name[-1] == '{')
				buf_addc(out, '}');
			continue;
		}
		if (len == 0 || (j = param_index(name, len)) < 0)
			goto bad;
		if (expand(raw, j, depth + 1, out, err) < 0)
			return -1;
	}
	return 0;
bad:
	buf_addf(err, "%s: parameter %s: bad $name reference in \"%s\"",
	    raw[i].where ? raw[i].where : "default", config_params[i].name,
	    raw[i].value);
	return -1;
}

/* parse_number - integer with unit suffixes; -1 if malformed */
static int
parse_number(const char *s, const char *type, long long *out)
{
	char *end;
	long long n, mul = 1;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (errno)
		return -1;
	if (strcmp(type, "TIME") == 0) {
		switch (*end) {
		case '\0': case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 7 * 86400; break;
		default: return -1;
		}
		if (*end && end[1])
			return -1;
	} else if (strcmp(type, "SIZE") == 0) {
		switch (*end) {
		case '\0': mul = 1; break;
		case 'k': case 'K': mul = 1024; break;
		case 'm': case 'M': mul = 1024 * 1024; break;
		case 'g': case 'G': mul = 1024 * 1024 * 1024; break;
		default: return -1;
		}
		if (*end && end[1])
			return -1;
	} else if (*end) {
		return -1;
	}
	if (n > LLONG_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

/* convert - store the expanded value of parameter i in c */
static int
convert(struct config *c, int i, const char *value, const char *where,
    struct buf *err)
{
	const struct config_param *p = &config_params[i];
	char *field = (char *)c + param_offset[i];
	long long n;

	if (strcmp(p->type, "STR") == 0) {
		*(char **)field = xstrdup(value);
		return 0;
	}
	if (strcmp(p->type, "BOOL") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0)
			*(int *)field = 0;
		else
			goto bad;
		return 0;
	}
	if (parse_number(value, p->type, &n) < 0)
		goto bad;
	if ((p->min || p->max) && (n < p->min || (p->max && n > p->max))) {
		buf_addf(err, "%s: parameter %s: value \"%s\" out of range "
		    "(%lld..%lld%s)", where ? where : "default", p->name,
		    value, p->min, p->max, strcmp(p->type, "TIME") == 0 ?
		    " seconds" : "");
		return -1;
	}
	*(long long *)field = n;
	return 0;
bad:
	buf_addf(err, "%s: parameter %s: bad value \"%s\" (%s expected)",
	    where ? where : "default", p->name, value,
	    strcmp(p->type, "BOOL") == 0 ? "yes or no" :
	    strcmp(p->type, "TIME") == 0 ? "a time such as 30s, 5m, 2h" :
	    strcmp(p->type, "SIZE") == 0 ? "a size such as 10240000 or 10M" :
	    "a number");
	return -1;
}

/* load - config_load, optionally going on past bad lines */
static struct config *
load(const char *dir, char *const *overrides, int noverrides,
    struct buf *err, int lenient)
{
	struct raw *raw = xcalloc((size_t)config_nparams, sizeof(*raw));
	struct config *c = xcalloc(1, sizeof(*c));
	struct buf path = BUF_INIT, val = BUF_INIT, w = BUF_INIT;
	char host[256];
	int i, rc = 0;

	c->config_directory = xstrdup(dir);
	for (i = 0; i < config_nparams; i++)
		raw[i].value = xstrdup(config_params[i].def);
	buf_addf(&path, "%s/mailsift.cf", dir);
	if (read_file(raw, buf_str(&path), err, lenient) < 0 && !lenient)
		rc = -1;
	for (i = 0; rc == 0 && i < noverrides; i++) {
		buf_reset(&w);
		buf_addf(&w, "-o %s", overrides[i]);
		if (set_raw(raw, overrides[i], buf_str(&w), err) < 0)
			rc = -1;
	}
	/* myhostname defaults to the system's name */
	i = param_index("myhostname", strlen("myhostname"));
	if (rc == 0 && raw[i].value[0] == '\0') {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		xfree(raw[i].value);
		raw[i].value = xstrdup(host);
	}
	for (i = 0; rc == 0 && i < config_nparams; i++) {
		buf_reset(&val);
		if (expand(raw, i, 0, &val, err) < 0 ||
		    convert(c, i, buf_str(&val), raw[i].where, err) < 0) {
			if (!lenient) {
				rc = -1;
				continue;
			}
			/* keep going with the default of this one */
			buf_adds(err, "; ");
			xfree(raw[i].value);
			xfree(raw[i].where);
			raw[i].value = xstrdup(config_params[i].def);
			raw[i].where = NULL;
			i--;
			continue;
		}
		if (raw[i].where) {
			c->set = xreallocarray(c->set, (size_t)c->nset + 1,
			    sizeof(char *));
			c->set[c->nset++] = xstrdup(config_params[i].name);
		}
	}
	for (i = 0; i < config_nparams; i++) {
		xfree(raw[i].value);
		xfree(raw[i].where);
	}
	xfree(raw);
	buf_free(&path);
	buf_free(&val);
	buf_free(&w);
	if (rc < 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

/*
 * config_load - read dir/mailsift.cf, apply "name=value" overrides,
 * expand and check everything.  On error returns NULL with the reason
 * (file:line and parameter) in err.
 */
struct config *
config_load(const char *dir, char *const *overrides, int noverrides,
    struct buf *err)
{
	return load(dir, overrides, noverrides, err, 0);
}

/*
 * config_load_lenient - like config_load, but a bad line is reported in
 * err and its parameter keeps its default.  For tools that must still
 * find the daemon when the file is broken (mailsiftctl status/stop).
 */
struct config *
config_load_lenient(const char *dir, struct buf *err)
{
	return load(dir, NULL, 0, err, 1);
}

/* config_free - release a configuration */
void
config_free(struct config *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < config_nparams; i++)
		if (strcmp(config_params[i].type, "STR") == 0)
			xfree(*(char **)((char *)c + param_offset[i]));
	for (i = 0; i < c->nset; i++)
		xfree(c->set[i]);
	xfree(c->set);
	xfree(c->config_directory);
	xfree(c);
}

/* config_dump - "name = value" lines: all, or only those set */
void
config_dump(const struct config *c, int changed_only, struct buf *out)
{
	const char *field;
	int i, j, set;

	for (i = 0; i < config_nparams; i++) {
		for (set = 0, j = 0; j < c->nset; j++)
			if (strcmp(c->set[j], config_params[i].name) == 0)
				set = 1;
		if (changed_only && !set)
			continue;
		field = (const char *)c + param_offset[i];
		buf_addf(out, "%s = ", config_params[i].name);
		if (strcmp(config_params[i].type, "STR") == 0) {
			const char *v = *(char *const *)field;

			/* the value is expanded: a '$' in it is literal */
			for (; *v; v++) {
				if (*v == '$')
					buf_addc(out, '$');
				buf_addc(out, *v);
			}
		}
		else if (strcmp(config_params[i].type, "BOOL") == 0)
			buf_adds(out, *(const int *)field ? "yes" : "no");
		else if (strcmp(config_params[i].type, "TIME") == 0)
			buf_addf(out, "%llds", *(const long long *)field);
		else
			buf_addf(out, "%lld", *(const long long *)field);
		buf_addc(out, '\n');
	}
}

/* config_split - split a list on white space and commas */
char **
config_split(const char *s, int *count)
{
	char **v = NULL;
	const char *start;
	int n = 0;

	for (;;) {
		while (*s && (isspace((unsigned char)*s) || *s == ','))
			s++;
		if (*s == '\0')
			break;
		start = s;
		while (*s && !isspace((unsigned char)*s) && *s != ',')
			s++;
		v = xreallocarray(v, (size_t)n + 2, sizeof(char *));
		v[n++] = xstrndup(start, (size_t)(s - start));
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(char *));
	v[n] = NULL;
	if (count)
		*count = n;
	return v;
}

/* config_split_free - free what config_split returned */
void
config_split_free(char **v)
{
	int i;

	for (i = 0; v && v[i]; i++)
		xfree(v[i]);
	xfree(v);
}

/*
 * config_str - the value of the string parameter name in c, or NULL when
 * there is no such parameter or it is not a string
 */
const char *
config_str(const struct config *c, const char *name)
{
	int i = param_index(name, strlen(name));

	if (i < 0 || strcmp(config_params[i].type, "STR") != 0)
		return NULL;
	return *(char *const *)((const char *)c + param_offset[i]);
}
