/*
 * saconf.c - SpamAssassin's configuration language read into a rule set.
 *
 * Rules come from header, body, rawbody, full, uri, meta, mimeheader
 * and the AskDNS plugin's askdns (kept as an eval for the DNS code).
 * The caller creates a set (saconf_new) with the plugins it implements
 * and the can() names that are true, loads files and directories in
 * SpamAssassin's order (saconf_load_path: a directory's *.cf in byte
 * order, then the site's local.cf), and calls saconf_finish, which
 * applies ReplaceTags and the default scores, binds meta expressions
 * (rules_matching globs included) to rule indexes, disables meta loops
 * and compiles every pattern once with PCRE2 (JIT when available).  As
 * in SpamAssassin, a later definition of a rule replaces the earlier
 * one, and score, describe, tflags and priority are kept apart from
 * the definitions, so a later "score" line overrides and may come
 * before or after the rule it scores.
 *
 * Lines as Conf/Parser.pm reads them: "#" starts a comment unless
 * written "\#" (which becomes "#"), white space is trimmed, the first
 * word (case-insensitive) is the directive; a line holding a NUL byte
 * is dropped.  "lang xx ..." lines are kept only for the caller's
 * language.  if/ifplugin/else/endif nest; "if" evaluates what the
 * stock rules use: version and perl_version compared with numbers,
 * local_tests_only, can(NAME) (a plugin's method only with the plugin
 * listed), plugin(NAME), !, &&, || and parentheses; anything else is an
 * unknown condition, counted and false.  "require_version" other than
 * ours (or @@VERSION@@) skips the rest of the file, as SpamAssassin
 * does.
 *
 * Regexes are Perl "/re/flags" or "m" with any other delimiter
 * (brackets pair up: m{...}); flags i, m, s, x map to PCRE2 options and
 * the Perl-only p, a, l, u, d, n, g, o are ignored.  The text between
 * the delimiters goes to PCRE2 unchanged: an escaped delimiter is a
 * literal to PCRE2 as to Perl, "$", "\z", "\Z", "\A" and inline (?i)
 * mean the same in both, and since SpamAssassin builds qr// from a
 * string, "@" and "$name" are never interpolated.  The ReplaceTags
 * plugin's replace_tag/pre/post/inter and replace_rules are applied to
 * the named patterns before they compile, pass for pass as the plugin
 * does.  Patterns compile without UTF (byte semantics, as SpamAssassin
 * 4 matches UTF-8 octets), so "\x{100}", a compiled pattern over
 * PCRE2's link-size limit (64 KiB with Debian's build) and other PCRE2
 * refusals disable the rule with PCRE2's message; "%{TAG}" (4.0
 * captured tags) is refused likewise.
 *
 * Inputs: configuration files (trusted, error-prone), read at start-up
 * before the privilege drop.  One set is built by one thread; once
 * finished it is only read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "meta.h"
#include "saconf.h"

#define MAX_INCLUDE	16	/* include nesting */
#define MAX_COND	64	/* if nesting per file */

const char *const saconf_sa401_can[] = {
	"Mail::SpamAssassin::Conf::feature_originating_ip_headers",
	"Mail::SpamAssassin::Conf::feature_dns_local_ports_permit_avoid",
	"Mail::SpamAssassin::Conf::feature_bayes_auto_learn_on_error",
	"Mail::SpamAssassin::Conf::feature_uri_host_listed",
	"Mail::SpamAssassin::Conf::feature_yesno_takes_args",
	"Mail::SpamAssassin::Conf::feature_bug6558_free",
	"Mail::SpamAssassin::Conf::feature_edns",
	"Mail::SpamAssassin::Conf::feature_dns_query_restriction",
	"Mail::SpamAssassin::Conf::feature_registryboundaries",
	"Mail::SpamAssassin::Conf::feature_geodb",
	"Mail::SpamAssassin::Conf::feature_dns_block_rule",
	"Mail::SpamAssassin::Conf::feature_compile_regexp",
	"Mail::SpamAssassin::Conf::feature_meta_rules_matching",
	"Mail::SpamAssassin::Conf::feature_subjprefix",
	"Mail::SpamAssassin::Conf::feature_bayes_stopwords",
	"Mail::SpamAssassin::Conf::feature_get_host",
	"Mail::SpamAssassin::Conf::feature_blocklist_welcomelist",
	"Mail::SpamAssassin::Conf::feature_welcomelist_blocklist",
	"Mail::SpamAssassin::Conf::feature_header_address_parser",
	"Mail::SpamAssassin::Conf::feature_local_tests_only",
	"Mail::SpamAssassin::Conf::feature_header_first_last",
	"Mail::SpamAssassin::Conf::feature_header_match_many",
	"Mail::SpamAssassin::Conf::feature_capture_rules",
	"Mail::SpamAssassin::Conf::compat_welcomelist_blocklist",
	"Mail::SpamAssassin::Conf::perl_min_version_5010000",
	"Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length",
	"Mail::SpamAssassin::Plugin::MIMEEval::has_check_abundant_unicode_ratio",
	"Mail::SpamAssassin::Plugin::MIMEEval::has_check_for_ascii_text_illegal",
	"Mail::SpamAssassin::Plugin::ASN::has_check_asn",
	"Mail::SpamAssassin::Plugin::ASN::has_asn_lookup_ipv6",
	"Mail::SpamAssassin::Plugin::DKIM::has_arc",
	"Mail::SpamAssassin::Plugin::URIDNSBL::has_uridnsbl_for_a",
	"Mail::SpamAssassin::Plugin::URIDNSBL::has_tflags_domains_only",
	"Mail::SpamAssassin::Plugin::SPF::has_check_for_spf_errors",
	"Mail::SpamAssassin::Plugin::DecodeShortURLs::has_short_url_redir",
	"Mail::SpamAssassin::Plugin::DecodeShortURLs::has_get",
	NULL
};

/* SpamAssassin directives we read past without using them (yet) */
static const char *const ignored_prefix[] = {
	"add_header", "adsp_override", "all_spam_to", "allow_user_rules",
	"asn_", "auto_welcomelist_", "auto_whitelist_", "bayes_",
	"blacklist_", "blocklist_", "body_part_scan_size", "check_rbl",
	"clear_", "country_", "dcc", "dcc_", "decode_short_url",
	"def_welcomelist_", "def_whitelist_", "delist_", "detailed_",
	"dkim_", "dns_", "dnsbl_", "enable_compat", "enlist_", "envelope_",
	"extracttext_", "fns_", "fold_headers", "freemail_", "geodb_",
	"hashbl",
	"hashcash_", "internal_networks", "lock_method", "more_spam_to",
	"msa_networks", "normalize_charset", "olevbmacro_",
	"originating_ip_headers", "parse_dkim_uris", "pdfinfo_", "pyzor",
	"pyzor_", "razor", "razor_", "rawbody_part_scan_size", "rbl_",
	"redirector_pattern", "remove_header", "replace_", "report",
	"report_", "reuse", "shortcircuit", "skip_rbl_checks", "spamcop_",
	"spf_", "test", "textcat_", "time_limit", "timelog_path",
	"trusted_networks", "txrep_", "unwelcomelist_auth",
	"unwhitelist_auth", "unwhitelist_from_rcvd", "unsafe_report",
	"uri_block_", "uri_country", "uridnsbl", "uridnssub", "urirhsbl",
	"urirhssub", "url_shortener", "use_auto_whitelist", "use_txrep",
	"user_awl", "user_scores", "util_rb_", "version_tag", "welcomelist_",
	"whitelist_",
	NULL
};

/* words that must be matched whole among the prefixes above */
static const char *const ignored_exact[] = {
	"dcc", "pyzor", "razor", "report", "reuse", "test",
	NULL
};

/* name -> value, later settings replace earlier ones */
struct kv {
	char			**k, **v;
	size_t			 n;
};

struct cond {
	int	 active;		/* lines under it are read */
	int	 outer;			/* the enclosing block was active */
};

struct saconf {
	struct saconf_opts	 opts;
	double			 version;
	struct saconf_rule	**ent;		/* every name seen */
	size_t			 nent, capent;
	int			*hash;		/* -> ent index, -1 empty */
	size_t			 hsize;
	struct saconf_rule	**rules;	/* defined, after finish */
	size_t			 nrules;
	int			 finished;
	char			**files;	/* interned names */
	size_t			 nfiles;
	char			**unknown;	/* directives logged once */
	size_t			 nunknown;
	struct kv		 rtag, rpre, rpost, rinter;	/* ReplaceTags */
	struct saconf_list	 rrules;
	char			*tag;		/* subject tag, last set */
	int			 tag_from_header;
	int			 include_depth;
	struct saconf_settings	 set;
	struct saconf_summary	 sum;
};

static int	load_file(struct saconf *, const char *);
static int	glob_match(const char *, const char *, int);
static void	parse_text(struct saconf *, const char *, char *);

/* --- small helpers --- */

/* list_add - append a copy of s to a string list */
static void
list_add(struct saconf_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
}

/* list_clear - empty a string list */
static void
list_clear(struct saconf_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		xfree(l->v[i]);
	l->n = 0;
}

/* list_free - release a string list */
static void
list_free(struct saconf_list *l)
{
	list_clear(l);
	xfree(l->v);
	l->v = NULL;
	l->cap = 0;
}

/* list_remove - drop the entries equal to s (case-insensitive) */
static void
list_remove(struct saconf_list *l, const char *s)
{
	size_t i, j;

	for (i = j = 0; i < l->n; i++) {
		if (strcasecmp(l->v[i], s) == 0)
			xfree(l->v[i]);
		else
			l->v[j++] = l->v[i];
	}
	l->n = j;
}

/* list_words - append every white-space separated word of s */
static void
list_words(struct saconf_list *l, char *s)
{
	char *w;

	while ((w = strsep(&s, " \t")) != NULL)
		if (*w)
			list_add(l, w);
}

/* kv_set - set name to value */
static void
kv_set(struct kv *kv, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->k[i], k) == 0) {
			xfree(kv->v[i]);
			kv->v[i] = xstrdup(v);
			return;
		}
	kv->k = xreallocarray(kv->k, kv->n + 1, sizeof(*kv->k));
	kv->v = xreallocarray(kv->v, kv->n + 1, sizeof(*kv->v));
	kv->k[kv->n] = xstrdup(k);
	kv->v[kv->n++] = xstrdup(v);
}

/* kv_get - the value of a name of len bytes, NULL when unset */
static const char *
kv_get(const struct kv *kv, const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strlen(kv->k[i]) == len && memcmp(kv->k[i], k, len) == 0)
			return kv->v[i];
	return NULL;
}

/* kv_free - release a map */
static void
kv_free(struct kv *kv)
{
	size_t i;

	for (i = 0; i < kv->n; i++) {
		xfree(kv->k[i]);
		xfree(kv->v[i]);
	}
	xfree(kv->k);
	xfree(kv->v);
}

/* next_word - split off the first word of *sp (NULL when none) */
static char *
next_word(char **sp)
{
	char *s = *sp, *w;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*sp = s;
		return NULL;
	}
	w = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	while (*s && isspace((unsigned char)*s))
		s++;
	*sp = s;
	return w;
}

/* rtrim - cut trailing white space */
static void
rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* valid_name - a rule name as SpamAssassin allows it */
static int
valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* parse_bool - 1/0 (also yes/no, on/off), -1 when neither */
static int
parse_bool(const char *s)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on") || !strcasecmp(s, "true"))
		return 1;
	if (!strcmp(s, "0") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off") || !strcasecmp(s, "false"))
		return 0;
	return -1;
}

/* parse_num - a decimal number filling all of s */
static int
parse_num(const char *s, double *v)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || !isfinite(*v))
		return -1;
	return 0;
}

/* in_list - s equals an entry of a NULL-ended list */
static int
in_list(const char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

/* plugin_short - a plugin name without Mail::SpamAssassin::Plugin:: */
static const char *
plugin_short(const char *s)
{
	static const char pfx[] = "Mail::SpamAssassin::Plugin::";

	return strncmp(s, pfx, sizeof(pfx) - 1) == 0 ? s + sizeof(pfx) - 1 :
	    s;
}

/*
 * have_plugin - the caller implements the named plugin; Parser.pm's
 * aliases apply (Dmarc is DMARC, WhiteListSubject is WelcomeListSubject,
 * RaciallyCharged always counts as loaded)
 */
static int
have_plugin(const struct saconf *c, const char *name)
{
	const char *const *p;

	name = plugin_short(name);
	if (strcmp(name, "Dmarc") == 0)
		name = "DMARC";
	else if (strcmp(name, "WhiteListSubject") == 0)
		name = "WelcomeListSubject";
	else if (strcmp(name, "RaciallyCharged") == 0)
		return 1;
	for (p = c->opts.plugins; p && *p; p++)
		if (strcmp(plugin_short(*p), plugin_short(name)) == 0)
			return 1;
	return 0;
}

/*
 * plugin_method_ok - can(Mail::SpamAssassin::Plugin::X::m) needs plugin X;
 * other names need nothing
 */
static int
plugin_method_ok(const struct saconf *c, const char *name)
{
	static const char pfx[] = "Mail::SpamAssassin::Plugin::";
	const char *p, *end;
	char *plugin;
	int ok;

	if (strncmp(name, pfx, sizeof(pfx) - 1) != 0)
		return 1;
	p = name + sizeof(pfx) - 1;
	if ((end = strstr(p, "::")) == NULL)
		return 1;
	plugin = xstrndup(p, end - p);
	ok = have_plugin(c, plugin);
	xfree(plugin);
	return ok;
}

/* --- the name table --- */

/* hash_name - FNV-1a of a rule name */
static size_t
hash_name(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* lookup - the entry index of a name, -1 when unseen */
static int
lookup(const struct saconf *c, const char *name)
{
	size_t i;

	if (c->hsize == 0)
		return -1;
	for (i = hash_name(name) & (c->hsize - 1); c->hash[i] >= 0;
	    i = (i + 1) & (c->hsize - 1))
		if (strcmp(c->ent[c->hash[i]]->name, name) == 0)
			return c->hash[i];
	return -1;
}

/* rehash - grow the open-addressing table to twice the entries */
static void
rehash(struct saconf *c)
{
	size_t i, j;

	xfree(c->hash);
	c->hsize = c->hsize ? c->hsize * 2 : 1024;
	c->hash = xreallocarray(NULL, c->hsize, sizeof(*c->hash));
	for (i = 0; i < c->hsize; i++)
		c->hash[i] = -1;
	for (i = 0; i < c->nent; i++) {
		for (j = hash_name(c->ent[i]->name) & (c->hsize - 1);
		    c->hash[j] >= 0; j = (j + 1) & (c->hsize - 1))
			;
		c->hash[j] = (int)i;
	}
}

/* entry - the entry of a name, created (undefined) when unseen */
static struct saconf_rule *
entry(struct saconf *c, const char *name)
{
	struct saconf_rule *r;
	int i;

	if ((i = lookup(c, name)) >= 0)
		return c->ent[i];
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->type = SA_NTYPES;		/* not defined (yet) */
	if (c->nent == c->capent) {
		c->capent = c->capent ? c->capent * 2 : 1024;
		c->ent = xreallocarray(c->ent, c->capent, sizeof(*c->ent));
	}
	c->ent[c->nent++] = r;
	if (c->nent * 2 > c->hsize)
		rehash(c);
	else {
		size_t j;

		for (j = hash_name(name) & (c->hsize - 1); c->hash[j] >= 0;
		    j = (j + 1) & (c->hsize - 1))
			;
		c->hash[j] = (int)c->nent - 1;
	}
	return r;
}

/* clear_def - forget a rule's definition, keeping its attributes */
static void
clear_def(struct saconf_rule *r)
{
	xfree(r->field);
	xfree(r->if_unset);
	xfree(r->pattern);
	xfree(r->pcre);
	xfree(r->eval_func);
	xfree(r->eval_args);
	xfree(r->expr);
	xfree(r->disabled);
	meta_free(r->meta);
	if (r->code)
		pcre2_code_free(r->code);
	r->field = r->if_unset = r->pattern = r->pcre = NULL;
	r->eval_func = r->eval_args = r->expr = r->disabled = NULL;
	r->meta = NULL;
	r->code = NULL;
	r->hmods = 0;
	r->negate = r->jit = 0;
	r->options = 0;
}

/* rule_free - release one entry */
static void
rule_free(struct saconf_rule *r)
{
	clear_def(r);
	xfree(r->name);
	xfree(r->describe);
	xfree(r->tflags_raw);
	xfree(r);
}

/* --- regexes --- */

/*
 * split_regex - take a Perl /re/flags or m?re?flags apart; 0, or -1
 * with why
 */
static int
split_regex(const char *s, char **pat, uint32_t *opt, const char **why)
{
	const char *p, *end, *f;
	char open, close;

	*opt = 0;
	if (*s == 'm' && s[1] && !isalnum((unsigned char)s[1]) &&
	    !isspace((unsigned char)s[1]) && s[1] != '_')
		s++;
	else if (*s != '/') {
		*why = "not a /regex/";
		return -1;
	}
	open = *s;
	switch (open) {
	case '{': close = '}'; break;
	case '(': close = ')'; break;
	case '[': close = ']'; break;
	case '<': close = '>'; break;
	default: close = open; break;
	}
	p = s + 1;
	/* the closing delimiter is the last one, followed by flags only */
	for (end = s + strlen(s); end > p; end--)
		if (end[-1] == close)
			break;
	if (end == p) {
		*why = "regex without its closing delimiter";
		return -1;
	}
	for (f = end; *f; f++) {
		switch (*f) {
		case 'i': *opt |= PCRE2_CASELESS; break;
		case 'm': *opt |= PCRE2_MULTILINE; break;
		case 's': *opt |= PCRE2_DOTALL; break;
		case 'x': *opt |= PCRE2_EXTENDED; break;
		case 'p': case 'a': case 'l': case 'u': case 'd': case 'n':
		case 'g': case 'o':
			break;
		default:
			*why = "text after the regex is not flags";
			return -1;
		}
	}
	*pat = xstrndup(p, end - 1 - p);
	return 0;
}

/* compile_rule - compile a regex rule once; disable it when refused */
static void
compile_rule(struct saconf *c, struct saconf_rule *r)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int err;
	char *t;
	struct buf why = BUF_INIT;

	if ((t = strstr(r->pcre, "%{")) != NULL) {
		c->sum.capture_tags++;
		buf_addf(&why, "captured tag %.40s not supported", t);
		goto bad;
	}
	r->code = pcre2_compile((PCRE2_SPTR)r->pcre, PCRE2_ZERO_TERMINATED,
	    r->options | PCRE2_NEVER_UTF, &err, &off, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		buf_addf(&why, "PCRE2: %s at offset %zu", (char *)msg,
		    (size_t)off);
		c->sum.bad_regex++;
		goto bad;
	}
	r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
	return;
bad:
	/* the checker may bring these back in another form (check.c
	 * revive, capture_tags): it reports what stays disabled */
	if (strstr(buf_str(&why), "too large") ||
	    strncmp(buf_str(&why), "captured tag", 12) == 0)
		log_debug("%s:%d: rule %s: %s", r->file, r->line, r->name,
		    buf_str(&why));
	else
		log_warn("%s:%d: rule %s disabled: %s", r->file, r->line,
		    r->name, buf_str(&why));
	xfree(r->disabled);
	r->disabled = buf_steal(&why);
}

/* --- directives --- */

/* bad_line - log a malformed line of a known directive */
static void
bad_line(struct saconf *c, const char *file, int line, const char *what)
{
	c->sum.bad_lines++;
	log_warn("%s:%d: %s", file, line, what);
}

/* define - start (or replace) the definition of a rule */
static struct saconf_rule *
define(struct saconf *c, const char *file, int line, const char *name,
    enum saconf_type type, enum saconf_kind kind)
{
	struct saconf_rule *r;

	r = entry(c, name);
	clear_def(r);
	r->type = type;
	r->kind = kind;
	r->file = (char *)file;
	r->line = line;
	return r;
}

/* set_eval - fill an eval:func(args) definition; -1 when malformed */
static int
set_eval(struct saconf_rule *r, const char *s)
{
	const char *p = s, *open, *close;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return -1;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	r->eval_func = xstrndup(s, p - s);
	if (*p == '\0') {
		r->eval_args = xstrdup("");
		return 0;
	}
	open = p;
	close = strrchr(p, ')');
	if (*open != '(' || close == NULL || close[1] != '\0')
		return -1;
	r->eval_args = xstrndup(open + 1, close - open - 1);
	return 0;
}

/* parse_mods - the :raw:addr... modifiers of a header field; -1: unknown */
static int
parse_mods(char *field, unsigned *mods)
{
	static const struct { const char *n; unsigned f; } tab[] = {
		{ "raw", SAH_RAW }, { "addr", SAH_ADDR }, { "name", SAH_NAME },
		{ "host", SAH_HOST }, { "domain", SAH_DOMAIN },
		{ "ip", SAH_IP }, { "revip", SAH_REVIP },
		{ "first", SAH_FIRST }, { "last", SAH_LAST },
	};
	char *m, *s;
	size_t i;

	*mods = 0;
	if ((s = strchr(field, ':')) == NULL)
		return 0;
	*s++ = '\0';
	while ((m = strsep(&s, ":")) != NULL) {
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcasecmp(m, tab[i].n) == 0)
				break;
		if (i == sizeof(tab) / sizeof(tab[0]))
			return -1;
		*mods |= tab[i].f;
	}
	return 0;
}

/* do_rule - header, mimeheader, body, rawbody, full, uri, meta */
static void
do_rule(struct saconf *c, const char *file, int line, enum saconf_type type,
    char *val)
{
	struct saconf_rule *r;
	char *name, *field, *t, err[200];
	const char *why;
	uint32_t opt;
	char *pat;
	size_t i;

	if ((name = next_word(&val)) == NULL || !valid_name(name) ||
	    *val == '\0') {
		bad_line(c, file, line, "rule needs a valid name and a test");
		return;
	}
	if (type == SA_META) {
		struct meta *m;

		if ((m = meta_parse(val, err, sizeof(err))) == NULL) {
			r = define(c, file, line, name, type, SAK_META);
			r->expr = xstrdup(val);
			r->disabled = xstrdup(err);
			bad_line(c, file, line, err);
			return;
		}
		for (i = 0; i < meta_nrefs(m); i++)
			if (strcmp(meta_ref(m, i), name) == 0)
				break;
		r = define(c, file, line, name, type, SAK_META);
		r->expr = xstrdup(val);
		r->meta = m;
		if (i < meta_nrefs(m))
			r->disabled = xstrdup("meta refers to itself");
		return;
	}
	if (strncmp(val, "eval:", 5) == 0) {
		if (type == SA_URI) {
			bad_line(c, file, line, "uri rules take no eval:");
			return;
		}
		r = define(c, file, line, name, type, SAK_EVAL);
		if (set_eval(r, val + 5) < 0) {
			clear_def(r);
			r->type = SA_NTYPES;
			bad_line(c, file, line, "malformed eval:func(args)");
		}
		return;
	}
	if (type == SA_HEADER || type == SA_MIMEHEADER) {
		if (strncmp(val, "exists:", 7) == 0) {
			t = val + 7;
			rtrim(t);
			if (*t == '\0' || strpbrk(t, " \t")) {
				bad_line(c, file, line, "malformed exists:");
				return;
			}
			r = define(c, file, line, name, type, SAK_EXISTS);
			r->field = xstrdup(t);
			return;
		}
		field = val;
		while (*val && !isspace((unsigned char)*val) &&
		    strncmp(val, "=~", 2) && strncmp(val, "!~", 2))
			val++;
		t = val;
		while (isspace((unsigned char)*val))
			val++;
		if (strncmp(val, "=~", 2) && strncmp(val, "!~", 2)) {
			bad_line(c, file, line, "header rule needs =~ or !~");
			return;
		}
		r = define(c, file, line, name, type, SAK_REGEX);
		r->negate = val[0] == '!';
		*t = '\0';
		val += 2;
		while (isspace((unsigned char)*val))
			val++;
		/* [if-unset: STR] at the end */
		if ((t = strstr(val, "[if-unset:")) != NULL &&
		    val[strlen(val) - 1] == ']') {
			*t = '\0';
			t += 10;
			while (isspace((unsigned char)*t))
				t++;
			r->if_unset = xstrndup(t, strlen(t) - 1);
			rtrim(r->if_unset);
			rtrim(val);
		}
		if (parse_mods(field, &r->hmods) < 0) {
			r->field = xstrdup(field);
			r->disabled = xstrdup("unknown header modifier");
			bad_line(c, file, line, "unknown header modifier");
			return;
		}
		r->field = xstrdup(field);
	} else
		r = define(c, file, line, name, type, SAK_REGEX);
	r->pattern = xstrdup(val);
	if (split_regex(val, &pat, &opt, &why) < 0) {
		r->disabled = xstrdup(why);
		bad_line(c, file, line, why);
		return;
	}
	r->pcre = pat;
	r->options = opt;
}

/* do_score - score NAME s [s1 s2 s3]; "(n)" is relative to the last */
static void
do_score(struct saconf *c, const char *file, int line, char *val)
{
	struct saconf_rule *r;
	char *name, *w;
	double v[4];
	int n = 0, rel[4], i;
	size_t len;

	if ((name = next_word(&val)) == NULL || !valid_name(name))
		goto bad;
	while ((w = next_word(&val)) != NULL) {
		if (n == 4)
			goto bad;
		len = strlen(w);
		rel[n] = 0;
		if (len > 2 && w[0] == '(' && w[len - 1] == ')') {
			w[len - 1] = '\0';
			w++;
			rel[n] = 1;
		}
		if (parse_num(w, &v[n]) < 0)
			goto bad;
		n++;
	}
	if (n != 1 && n != 4)
		goto bad;
	r = entry(c, name);
	for (i = 0; i < 4; i++) {
		int k = n == 1 ? 0 : i;

		r->score[i] = rel[k] ? r->score[i] + v[k] : v[k];
	}
	r->scored = 1;
	return;
bad:
	bad_line(c, file, line, "score needs a rule name and 1 or 4 numbers");
}

/* do_tflags - tflags NAME flag... (replaces the earlier flags) */
static void
do_tflags(struct saconf *c, const char *file, int line, char *val)
{
	static const struct { const char *n; unsigned f; } tab[] = {
		{ "net", SAF_NET }, { "nice", SAF_NICE },
		{ "learn", SAF_LEARN }, { "userconf", SAF_USERCONF },
		{ "noautolearn", SAF_NOAUTOLEARN },
		{ "multiple", SAF_MULTIPLE },
		{ "autolearn_force", SAF_AUTOLEARN_FORCE },
		{ "autolearn_header", SAF_AUTOLEARN_HEADER },
		{ "autolearn_body", SAF_AUTOLEARN_BODY },
		{ "nosubject", SAF_NOSUBJECT }, { "noawl", SAF_NOAWL },
		{ "nolog", SAF_NOLOG }, { "publish", SAF_PUBLISH },
		{ "notrim", SAF_NOTRIM }, { "domains_only", SAF_DOMAINS_ONLY },
	};
	struct saconf_rule *r;
	char *name, *w;
	size_t i;
	double n;

	if ((name = next_word(&val)) == NULL || !valid_name(name)) {
		bad_line(c, file, line, "tflags needs a rule name");
		return;
	}
	r = entry(c, name);
	xfree(r->tflags_raw);
	r->tflags_raw = xstrdup(val);
	r->tflags = 0;
	r->maxhits = 0;
	while ((w = next_word(&val)) != NULL) {
		if (strncmp(w, "maxhits=", 8) == 0) {
			if (parse_num(w + 8, &n) < 0 || n < 1 || n > 1e6) {
				bad_line(c, file, line, "bad maxhits=N");
				continue;
			}
			r->tflags |= SAF_MAXHITS | SAF_MULTIPLE;
			r->maxhits = (int)n;
			continue;
		}
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcmp(w, tab[i].n) == 0)
				break;
		r->tflags |= i < sizeof(tab) / sizeof(tab[0]) ? tab[i].f :
		    SAF_OTHER;
	}
}

/* --- if conditions --- */

struct cp {
	const char		*s;
	const struct saconf	*c;
	int			 unknown;
};

static int	cond_or(struct cp *);

/* cskip - step over white space in a condition */
static void
cskip(struct cp *p)
{
	while (isspace((unsigned char)*p->s))
		p->s++;
}

/* cond_call - can(NAME), plugin(NAME) or has(NAME) */
static int
cond_call(struct cp *p, const char *fn)
{
	const char *start;
	char *name;
	int v;

	p->s += strlen(fn);
	cskip(p);
	if (*p->s != '(') {
		p->unknown = 1;
		return 0;
	}
	p->s++;
	cskip(p);
	start = p->s;
	while (isalnum((unsigned char)*p->s) || *p->s == '_' ||
	    *p->s == ':')
		p->s++;
	name = xstrndup(start, p->s - start);
	cskip(p);
	if (*p->s != ')')
		p->unknown = 1;
	else
		p->s++;
	if (strcmp(fn, "plugin") == 0)
		v = have_plugin(p->c, name);
	else if (strcmp(fn, "can") == 0)
		v = in_list(p->c->opts.can, name) && plugin_method_ok(p->c, name);
	else {
		p->unknown = 1;
		v = 0;
	}
	xfree(name);
	return v;
}

/* cond_value - a number, version or perl_version (NAN: not one) */
static double
cond_value(struct cp *p)
{
	char *end;
	double v;

	cskip(p);
	if (strncmp(p->s, "version", 7) == 0 &&
	    !isalnum((unsigned char)p->s[7]) && p->s[7] != '_') {
		p->s += 7;
		return p->c->version;
	}
	if (strncmp(p->s, "local_tests_only", 16) == 0) {
		p->s += 16;
		return p->c->opts.local_tests_only ? 1 : 0;
	}
	if (strncmp(p->s, "perl_version", 12) == 0) {
		p->s += 12;
		return 5.036000;		/* Debian 12's perl */
	}
	if (isdigit((unsigned char)*p->s)) {
		v = strtod(p->s, &end);
		p->s = end;
		return v;
	}
	return NAN;
}

/* cond_unary - !x, (x), a call or a comparison */
static int
cond_unary(struct cp *p)
{
	static const char *const ops[] = { ">=", "<=", "==", "!=", ">", "<" };
	double a, b;
	size_t i;
	int v;

	cskip(p);
	if (*p->s == '!') {
		p->s++;
		return !cond_unary(p);
	}
	if (*p->s == '(') {
		p->s++;
		v = cond_or(p);
		cskip(p);
		if (*p->s == ')')
			p->s++;
		else
			p->unknown = 1;
		return v;
	}
	if (strncmp(p->s, "can", 3) == 0 && !isalnum((unsigned char)p->s[3]))
		return cond_call(p, "can");
	if (strncmp(p->s, "plugin", 6) == 0)
		return cond_call(p, "plugin");
	if (strncmp(p->s, "has", 3) == 0 && !isalnum((unsigned char)p->s[3]))
		return cond_call(p, "has");
	a = cond_value(p);
	if (isnan(a)) {
		p->unknown = 1;
		return 0;
	}
	cskip(p);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(p->s, ops[i], strlen(ops[i])) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return a != 0;
	p->s += strlen(ops[i]);
	b = cond_value(p);
	if (isnan(b)) {
		p->unknown = 1;
		return 0;
	}
	/* versions are compared as Perl compares numbers */
	switch (i) {
	case 0: return a >= b - 1e-9;
	case 1: return a <= b + 1e-9;
	case 2: return fabs(a - b) < 1e-9;
	case 3: return fabs(a - b) >= 1e-9;
	case 4: return a > b + 1e-9;
	default: return a < b - 1e-9;
	}
}

/* cond_and - x && y ... */
static int
cond_and(struct cp *p)
{
	int v = cond_unary(p);

	for (;;) {
		cskip(p);
		if (strncmp(p->s, "&&", 2))
			return v;
		p->s += 2;
		v = cond_unary(p) && v;
	}
}

/* cond_or - x || y ... */
static int
cond_or(struct cp *p)
{
	int v = cond_and(p);

	for (;;) {
		cskip(p);
		if (strncmp(p->s, "||", 2))
			return v;
		p->s += 2;
		v = cond_and(p) || v;
	}
}

/* eval_cond - an "if" condition; unknown ones are false and counted */
static int
eval_cond(struct saconf *c, const char *file, int line, const char *s)
{
	struct cp p;
	int v;

	p.s = s;
	p.c = c;
	p.unknown = 0;
	v = cond_or(&p);
	cskip(&p);
	if (*p.s)
		p.unknown = 1;
	if (p.unknown) {
		c->sum.unknown_conditions++;
		log_warn("%s:%d: unknown condition \"%s\" taken as false",
		    file, line, s);
		return 0;
	}
	return v;
}

/* --- lines --- */

/* ignored - a SpamAssassin directive we know and do not use */
static int
ignored(const char *key)
{
	const char *const *p;
	size_t n;

	if (in_list(ignored_exact, key))
		return 1;
	for (p = ignored_prefix; *p; p++) {
		n = strlen(*p);
		if (in_list(ignored_exact, *p))
			continue;
		if (strncmp(key, *p, n) == 0)
			return 1;
	}
	return 0;
}

/* kept - a directive of the Bayes, Pyzor or DNS-list modules */
static int
kept(const char *key)
{
	static const char *const prefix[] = {
		"bayes_", "pyzor_", "dns_", "uridnsbl", "urirhsbl",
		"urirhssub", "uridnssub", "rbl_timeout", "skip_rbl_checks",
		"skip_uribl_checks", NULL
	};
	const char *const *p;

	for (p = prefix; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0)
			return 1;
	return 0;
}

/* unknown - count an unknown directive, logging each name once */
static void
unknown(struct saconf *c, const char *file, int line, const char *key)
{
	size_t i;

	c->sum.unknown_directives++;
	for (i = 0; i < c->nunknown; i++)
		if (strcmp(c->unknown[i], key) == 0)
			return;
	c->unknown = xreallocarray(c->unknown, c->nunknown + 1,
	    sizeof(*c->unknown));
	c->unknown[c->nunknown++] = xstrdup(key);
	log_warn("%s:%d: unknown directive \"%s\" skipped (logged once)",
	    file, line, key);
}

/* do_include - include FILE, relative to the including file */
static void
do_include(struct saconf *c, const char *file, int line, const char *val)
{
	struct buf path = BUF_INIT;
	const char *slash;

	if (*val == '\0') {
		bad_line(c, file, line, "include needs a file");
		return;
	}
	if (c->include_depth >= MAX_INCLUDE) {
		bad_line(c, file, line, "include nested too deeply");
		return;
	}
	if (*val != '/' && (slash = strrchr(file, '/')) != NULL)
		buf_add(&path, file, slash - file + 1);
	buf_adds(&path, val);
	c->include_depth++;
	if (load_file(c, buf_str(&path)) < 0)
		c->sum.bad_lines++;
	c->include_depth--;
	buf_free(&path);
}

/* setting_bool - a 0/1 option */
static void
setting_bool(struct saconf *c, const char *file, int line, const char *val,
    int *dst)
{
	int v;

	if ((v = parse_bool(val)) < 0)
		bad_line(c, file, line, "option needs 0 or 1");
	else
		*dst = v;
}

/* setting_num - a numeric option */
static void
setting_num(struct saconf *c, const char *file, int line, const char *val,
    double *dst)
{
	double v;

	if (parse_num(val, &v) < 0)
		bad_line(c, file, line, "option needs a number");
	else
		*dst = v;
}

/*
 * directive - one directive whose key is lower-cased and whose value
 * is trimmed; returns 1 for "require_version" of another release
 */
static int
directive(struct saconf *c, const char *file, int line, const char *key,
    char *val)
{
	static const struct { const char *k; enum saconf_type t; } rt[] = {
		{ "header", SA_HEADER }, { "body", SA_BODY },
		{ "rawbody", SA_RAWBODY }, { "full", SA_FULL },
		{ "uri", SA_URI }, { "meta", SA_META },
		{ "mimeheader", SA_MIMEHEADER },
	};
	struct saconf_settings *s = &c->set;
	struct saconf_rule *r;
	char *name, *w;
	size_t i;
	double v;

	for (i = 0; i < sizeof(rt) / sizeof(rt[0]); i++)
		if (strcmp(key, rt[i].k) == 0) {
			do_rule(c, file, line, rt[i].t, val);
			return 0;
		}
	if (strcmp(key, "askdns") == 0) {
		if ((name = next_word(&val)) == NULL || !valid_name(name) ||
		    *val == '\0')
			bad_line(c, file, line, "askdns needs a name and a query");
		else {
			r = define(c, file, line, name, SA_ASKDNS, SAK_EVAL);
			r->eval_func = xstrdup("askdns");
			r->eval_args = xstrdup(val);
		}
	} else if (strcmp(key, "score") == 0)
		do_score(c, file, line, val);
	else if (strcmp(key, "describe") == 0 || strcmp(key, "priority") == 0) {
		if ((name = next_word(&val)) == NULL || !valid_name(name)) {
			bad_line(c, file, line, "needs a rule name");
			return 0;
		}
		if (key[0] == 'd') {
			r = entry(c, name);
			xfree(r->describe);
			r->describe = xstrdup(val);
		} else if (parse_num(val, &v) < 0 || v != floor(v) ||
		    fabs(v) > 1e9)
			bad_line(c, file, line, "priority needs an integer");
		else
			entry(c, name)->priority = (int)v;
	} else if (strcmp(key, "tflags") == 0)
		do_tflags(c, file, line, val);
	else if (strcmp(key, "include") == 0)
		do_include(c, file, line, val);
	else if (strcmp(key, "required_score") == 0 ||
	    strcmp(key, "required_hits") == 0)
		setting_num(c, file, line, val, &s->required_score);
	else if (strcmp(key, "rewrite_header") == 0) {
		if ((w = next_word(&val)) == NULL)
			bad_line(c, file, line, "rewrite_header needs a header");
		else if (strcasecmp(w, "subject") == 0) {
			xfree(c->tag);
			c->tag = xstrdup(val);
			c->tag_from_header = 1;
		} else if (strcasecmp(w, "from") == 0) {
			xfree(s->rewrite_from);
			s->rewrite_from = xstrdup(val);
		} else if (strcasecmp(w, "to") == 0) {
			xfree(s->rewrite_to);
			s->rewrite_to = xstrdup(val);
		} else
			bad_line(c, file, line,
			    "rewrite_header takes Subject, From or To");
	} else if (strcmp(key, "rewrite_subject") == 0)
		setting_bool(c, file, line, val, &s->rewrite_subject);
	else if (strcmp(key, "subject_tag") == 0) {
		xfree(c->tag);
		c->tag = xstrdup(val);
	} else if (strcmp(key, "report_safe") == 0) {
		if (strcmp(val, "0") && strcmp(val, "1") && strcmp(val, "2"))
			bad_line(c, file, line, "report_safe takes 0, 1 or 2");
		else
			s->report_safe = val[0] - '0';
	} else if (strcmp(key, "whitelist_from") == 0 ||
	    strcmp(key, "welcomelist_from") == 0)
		list_words(&s->welcomelist_from, val);
	else if (strcmp(key, "blacklist_from") == 0 ||
	    strcmp(key, "blocklist_from") == 0)
		list_words(&s->blocklist_from, val);
	else if (strcmp(key, "unwhitelist_from") == 0 ||
	    strcmp(key, "unwelcomelist_from") == 0 ||
	    strcmp(key, "unblacklist_from") == 0 ||
	    strcmp(key, "unblocklist_from") == 0) {
		struct saconf_list *l = strstr(key, "black") ||
		    strstr(key, "block") ? &s->blocklist_from :
		    &s->welcomelist_from;

		while ((w = next_word(&val)) != NULL)
			list_remove(l, w);
	} else if (strcmp(key, "ok_languages") == 0 ||
	    strcmp(key, "ok_language") == 0) {
		list_clear(&s->ok_languages);
		list_words(&s->ok_languages, val);
	} else if (strcmp(key, "ok_locales") == 0) {
		list_clear(&s->ok_locales);
		list_words(&s->ok_locales, val);
	} else if (strcmp(key, "use_bayes") == 0)
		setting_bool(c, file, line, val, &s->use_bayes);
	else if (strcmp(key, "bayes_auto_learn") == 0 ||
	    strcmp(key, "auto_learn") == 0)
		setting_bool(c, file, line, val, &s->bayes_auto_learn);
	else if (strcmp(key, "bayes_auto_learn_threshold_nonspam") == 0)
		setting_num(c, file, line, val, &s->autolearn_nonspam);
	else if (strcmp(key, "bayes_auto_learn_threshold_spam") == 0)
		setting_num(c, file, line, val, &s->autolearn_spam);
	else if (strcmp(key, "use_pyzor") == 0)
		setting_bool(c, file, line, val, &s->use_pyzor);
	else if (strcmp(key, "use_razor2") == 0)
		setting_bool(c, file, line, val, &s->use_razor2);
	else if (strcmp(key, "use_dcc") == 0)
		setting_bool(c, file, line, val, &s->use_dcc);
	else if (strcmp(key, "loadplugin") == 0 ||
	    strcmp(key, "tryplugin") == 0) {
		if ((w = next_word(&val)) == NULL)
			bad_line(c, file, line, "loadplugin needs a module");
		else
			list_add(&s->loadplugin, w);
	} else if (strcmp(key, "replace_rules") == 0)
		list_words(&c->rrules, val);
	else if (strncmp(key, "replace_", 8) == 0 && (!strcmp(key + 8, "tag") ||
	    !strcmp(key + 8, "pre") || !strcmp(key + 8, "post") ||
	    !strcmp(key + 8, "inter"))) {
		struct kv *kv = key[8] == 't' ? &c->rtag : key[9] == 'r' ?
		    &c->rpre : key[9] == 'o' ? &c->rpost : &c->rinter;

		if ((w = next_word(&val)) == NULL || *val == '\0')
			bad_line(c, file, line, "replace_* needs a name and "
			    "a value");
		else
			kv_set(kv, w, val);
	} else if (strcmp(key, "require_version") == 0) {
		if (strcmp(val, "@@VERSION@@") && (parse_num(val, &v) < 0 ||
		    fabs(v - c->version) > 1e-9)) {
			log_warn("%s:%d: requires SpamAssassin %s, the rest of "
			    "the file is skipped", file, line, val);
			return 1;
		}
	} else if (strstr(key, "trusted_networks") ||
	    strstr(key, "internal_networks") ||
	    strstr(key, "msa_networks") ||
	    strstr(key, "originating_ip_headers")) {
		/* kept for relays.c, which knows their syntax */
		list_add(&s->net_key, key);
		list_add(&s->net_val, val);
	} else if (kept(key)) {
		/* for bayes.c, pyzor.c and dnsbl.c */
		list_add(&s->plug_key, key);
		list_add(&s->plug_val, val);
	} else if (ignored(key))
		c->sum.ignored_directives++;
	else
		unknown(c, file, line, key);
	return 0;
}

/* clean_line - cut comments, unescape "\#", trim; returns the start */
static char *
clean_line(char *s)
{
	char *p, *q;

	for (p = s; *p; p++)
		if (*p == '#' && (p == s || p[-1] != '\\')) {
			*p = '\0';
			break;
		}
	for (p = q = s; *p; p++) {
		if (p[0] == '\\' && p[1] == '#')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	while (isspace((unsigned char)*s))
		s++;
	rtrim(s);
	return s;
}

/* intern - a file name kept for as long as the set */
static const char *
intern(struct saconf *c, const char *name)
{
	c->files = xreallocarray(c->files, c->nfiles + 1, sizeof(*c->files));
	c->files[c->nfiles] = xstrdup(name);
	return c->files[c->nfiles++];
}

/* parse_text - every line of one file (text is modified) */
static void
parse_text(struct saconf *c, const char *name, char *text)
{
	struct cond cs[MAX_COND];
	const char *file;
	char *next, *s, *key, *val;
	int line = 0, depth = 0, on = 1;

	file = intern(c, name);
	c->sum.files++;
	for (; text; text = next) {
		if ((next = strchr(text, '\n')) != NULL)
			*next++ = '\0';
		line++;
		c->sum.lines++;
		s = clean_line(text);
		if (*s == '\0')
			continue;
		val = s;
		key = next_word(&val);
		for (s = key; *s; s++)
			*s = tolower((unsigned char)*s);
		if (strcmp(key, "lang") == 0) {
			if ((s = next_word(&val)) == NULL ||
			    c->opts.lang == NULL ||
			    strncasecmp(s, c->opts.lang, strlen(s)) != 0)
				continue;
			key = next_word(&val);
			if (key == NULL)
				continue;
			for (s = key; *s; s++)
				*s = tolower((unsigned char)*s);
		}
		if (strcmp(key, "if") == 0 || strcmp(key, "ifplugin") == 0) {
			if (depth == MAX_COND) {
				bad_line(c, file, line, "if nested too deeply");
				return;
			}
			cs[depth].outer = on;
			if (on)
				cs[depth].active = key[2] ? have_plugin(c, val) :
				    eval_cond(c, file, line, val);
			else
				cs[depth].active = 0;
			on = on && cs[depth].active;
			depth++;
			continue;
		}
		if (strcmp(key, "else") == 0 || strcmp(key, "endif") == 0) {
			if (depth == 0) {
				bad_line(c, file, line, "else/endif without if");
				continue;
			}
			if (key[1] == 'l') {
				cs[depth - 1].active = !cs[depth - 1].active;
				on = cs[depth - 1].outer && cs[depth - 1].active;
			} else
				on = cs[--depth].outer;
			continue;
		}
		if (!on)
			continue;
		if (directive(c, file, line, key, val)) {
			depth = 0;
			break;
		}
	}
	if (depth > 0)
		bad_line(c, file, line, "if without endif at end of file");
}

/*
 * scrub_nuls - blank every line holding a NUL byte (logged, counted):
 * the parser works on C strings, and a NUL must not cut a file short
 */
static void
scrub_nuls(struct saconf *c, const char *path, struct buf *b)
{
	char *p, *q, *start, *end, *base = b->data;
	int line;

	while ((p = memchr(base, '\0', b->len - (base - b->data))) != NULL) {
		for (start = p; start > b->data && start[-1] != '\n'; start--)
			;
		end = memchr(p, '\n', b->len - (p - b->data));
		if (end == NULL)
			end = b->data + b->len;
		line = 1;
		for (q = b->data; q < start; q++)
			line += *q == '\n';
		memset(start, ' ', end - start);
		bad_line(c, path, line, "NUL byte: line ignored");
		base = end;
	}
}

/* load_file - read and parse one file; -1 when it cannot be read */
static int
load_file(struct saconf *c, const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[65536], empty[1] = "";
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("cannot open %s: %m", path);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, n);
	if (n < 0) {
		log_warn("cannot read %s: %m", path);
		close(fd);
		buf_free(&b);
		return -1;
	}
	close(fd);
	if (b.data)
		scrub_nuls(c, path, &b);
	parse_text(c, path, b.data ? b.data : empty);
	buf_free(&b);
	return 0;
}

/* cmp_str - byte order of two names, as Perl's sort */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * saconf_load_path - load a file, or every *.cf of a directory in byte
 * order; -1 when it cannot be read
 */
int
saconf_load_path(struct saconf *c, const char *path)
{
	struct stat st;
	struct dirent *de;
	struct buf fp = BUF_INIT;
	char **names = NULL;
	size_t n = 0, i, len;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) < 0) {
		log_warn("cannot stat %s: %m", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(c, path);
	if ((d = opendir(path)) == NULL) {
		log_warn("cannot open directory %s: %m", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".cf") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		buf_reset(&fp);
		buf_addf(&fp, "%s/%s", path, names[i]);
		if (stat(buf_str(&fp), &st) == 0 && S_ISREG(st.st_mode) &&
		    load_file(c, buf_str(&fp)) < 0)
			rc = -1;
		xfree(names[i]);
	}
	xfree(names);
	buf_free(&fp);
	return rc;
}

/* saconf_load_string - parse configuration text named name (tests) */
int
saconf_load_string(struct saconf *c, const char *name, const char *text)
{
	char *t = xstrdup(text);

	parse_text(c, name, t);
	xfree(t);
	return 0;
}

/* --- ReplaceTags --- */

/*
 * find_tag - Perl's leftmost /<.+?>/ in s: 0 with [*b, *e) or -1
 */
static int
find_tag(const char *s, size_t *b, size_t *e)
{
	const char *lt, *gt;

	if ((lt = strchr(s, '<')) == NULL || lt[1] == '\0' ||
	    (gt = strchr(lt + 2, '>')) == NULL)
		return -1;
	*b = lt - s;
	*e = gt - s + 1;
	return 0;
}

/* cut_named - remove the first "<kw NAME>" from re; NAME or NULL */
static char *
cut_named(struct buf *re, const char *kw)
{
	char *p, *gt, *name;
	size_t n = strlen(kw);

	for (p = re->data; (p = strchr(p, '<')) != NULL; p++) {
		if (strncmp(p + 1, kw, n) || p[n + 1] != ' ' ||
		    p[n + 2] == '\0' || (gt = strchr(p + n + 3, '>')) == NULL)
			continue;
		name = xstrndup(p + n + 2, gt - (p + n + 2));
		memmove(p, gt + 1, strlen(gt + 1) + 1);
		re->len -= gt + 1 - p;
		return name;
	}
	return NULL;
}

/* has_tag - the text holds /<[^>]+>/ */
static int
has_tag(const char *s)
{
	const char *lt;

	for (lt = strchr(s, '<'); lt; lt = strchr(lt + 1, '<'))
		if (lt[1] && lt[1] != '>' && strchr(lt + 1, '>'))
			return 1;
	return 0;
}

/*
 * replace_one_pass - one pass of Plugin/ReplaceTags.pm over re:
 * <pre N>, <post N>, <inter N> are taken out; re is split at the tags
 * (/(<[^<>]+>)/, trailing empty pieces dropped as Perl's split does);
 * pre goes before the first tag of a piece, post after every one,
 * inter replaces empty pieces, and each piece's first tag is replaced
 * wherever it occurs in the piece; returns 1 when a replacement
 * brought in another tag.  The plugin works on the pattern with its
 * flags in front ("(?i)..."), so with flags (mods) the first piece is
 * never empty and gets no inter.
 */
static int
replace_one_pass(struct saconf *c, struct buf *re, int mods)
{
	struct buf out = BUF_INIT, piece = BUF_INIT, *pc;
	char *pre, *post, *inter;
	const char *pv, *postv, *interv, *rv, *s, *lt, *gt, *q;
	struct buf *pieces = NULL;
	size_t np = 0, i, b, e, off;
	int again = 0;

	pre = cut_named(re, "pre");
	post = cut_named(re, "post");
	inter = cut_named(re, "inter");
	pv = pre ? kv_get(&c->rpre, pre, strlen(pre)) : NULL;
	postv = post ? kv_get(&c->rpost, post, strlen(post)) : NULL;
	interv = inter ? kv_get(&c->rinter, inter, strlen(inter)) : NULL;

	/* split at /(<[^<>]+>)/ */
	s = buf_str(re);
	for (;;) {
		for (lt = strchr(s, '<'); lt; lt = strchr(lt + 1, '<')) {
			for (gt = lt + 1; *gt && *gt != '<' && *gt != '>'; gt++)
				;
			if (*gt == '>' && gt > lt + 1)
				break;
		}
		pieces = xreallocarray(pieces, np + 2, sizeof(*pieces));
		buf_init(&pieces[np]);
		if (lt == NULL) {
			buf_adds(&pieces[np++], s);
			break;
		}
		buf_add(&pieces[np++], s, lt - s);
		buf_init(&pieces[np]);
		buf_add(&pieces[np++], lt, gt + 1 - lt);
		s = gt + 1;
	}
	while (np > 0 && pieces[np - 1].len == 0)
		buf_free(&pieces[--np]);

	for (i = 0; i < np; i++) {
		pc = &pieces[i];
		if (pv && pv[0] && find_tag(buf_str(pc), &b, &e) == 0) {
			buf_reset(&piece);
			buf_add(&piece, pc->data, b);
			buf_adds(&piece, pv);
			buf_adds(&piece, pc->data + b);
			buf_reset(pc);
			buf_add(pc, piece.data, piece.len);
		}
		if (postv && postv[0]) {
			buf_reset(&piece);
			for (off = 0; find_tag(buf_str(pc) + off, &b, &e) == 0;
			    off += e) {
				buf_add(&piece, pc->data + off, e);
				buf_adds(&piece, postv);
			}
			buf_adds(&piece, buf_str(pc) + off);
			buf_reset(pc);
			buf_add(pc, buf_str(&piece), piece.len);
		}
		if (interv && interv[0] && pc->len == 0 && (i > 0 || !mods))
			buf_adds(pc, interv);
		if (find_tag(buf_str(pc), &b, &e) == 0 &&
		    (rv = kv_get(&c->rtag, pc->data + b + 1, e - b - 2)) &&
		    rv[0]) {
			char *tag = xstrndup(pc->data + b, e - b);

			buf_reset(&piece);
			for (s = buf_str(pc); (q = strstr(s, tag)) != NULL;
			    s = q + strlen(tag)) {
				buf_add(&piece, s, q - s);
				buf_adds(&piece, rv);
			}
			buf_adds(&piece, s);
			buf_reset(pc);
			buf_add(pc, buf_str(&piece), piece.len);
			xfree(tag);
			if (has_tag(rv))
				again = 1;
		}
		buf_add(&out, buf_str(pc), pc->len);
		buf_free(pc);
	}
	xfree(pieces);
	buf_reset(re);
	buf_add(re, buf_str(&out), out.len);
	buf_free(&out);
	buf_free(&piece);
	xfree(pre);
	xfree(post);
	xfree(inter);
	return again;
}

/* replace_tags - apply replace_rules to the patterns they name */
static void
replace_tags(struct saconf *c)
{
	struct saconf_rule *r;
	struct buf re = BUF_INIT;
	size_t i;
	int passes, i2;

	for (i = 0; i < c->rrules.n; i++) {
		if ((i2 = lookup(c, c->rrules.v[i])) < 0)
			continue;
		r = c->ent[i2];
		if (r->type == SA_NTYPES || r->kind != SAK_REGEX ||
		    r->pcre == NULL)
			continue;
		buf_reset(&re);
		buf_adds(&re, r->pcre);
		passes = 0;
		while (replace_one_pass(c, &re, r->options != 0) &&
		    ++passes <= 5)
			;
		xfree(r->pcre);
		r->pcre = xstrdup(buf_str(&re));
	}
	buf_free(&re);
}

/* --- the finished set --- */

/*
 * default_score - SpamAssassin's score for a rule without "score": 1.0,
 * -1.0 with tflags nice, 0.01 for T_ rules (testing); "__" sub-rules
 * keep 1.0 as in SpamAssassin, which never adds them to a message's
 * score
 */
static void
default_score(struct saconf_rule *r)
{
	double v = 1.0;
	int i;

	if (strncmp(r->name, "T_", 2) == 0)
		v = 0.01;
	else if (r->tflags & SAF_NICE)
		v = -1.0;
	for (i = 0; i < 4; i++)
		r->score[i] = v;
}

/*
 * bind_glob - rules_matching(GLOB): every rule but the meta itself whose
 * name matches (case-sensitive), as Conf/Parser.pm expands it
 */
static void
bind_glob(struct saconf *c, struct saconf_rule *r, size_t k, int *list)
{
	const char *g = meta_ref(r->meta, k);
	size_t i, n = 0;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i] != r && glob_match(g, c->rules[i]->name, 0))
			list[n++] = (int)i;
	meta_bind_glob(r->meta, k, list, n);
}

/* dep_at - the j-th rule a meta depends on (globs flattened), -2: end */
static int
dep_at(const struct meta *m, size_t j)
{
	const int *l;
	size_t k, n;

	for (k = 0; k < meta_nrefs(m); k++) {
		if (!meta_is_glob(m, k)) {
			if (j-- == 0)
				return meta_bound(m, k);
			continue;
		}
		l = meta_glob_list(m, k, &n);
		if (j < n)
			return l[j];
		j -= n;
	}
	return -2;
}

/* meta_loops - disable metas that depend on themselves through others */
static void
meta_loops(struct saconf *c)
{
	unsigned char *state;	/* 0 new, 1 on the path, 2 done */
	int *stack, *pos, sp, k, j, l;
	size_t i;
	struct saconf_rule *r;

	state = xcalloc(c->nrules, 1);
	stack = xreallocarray(NULL, c->nrules + 1, sizeof(*stack));
	pos = xreallocarray(NULL, c->nrules + 1, sizeof(*pos));
	for (i = 0; i < c->nrules; i++) {
		if (state[i] || c->rules[i]->meta == NULL)
			continue;
		sp = 0;
		stack[sp] = (int)i;
		pos[sp++] = 0;
		state[i] = 1;
		while (sp > 0) {
			k = stack[sp - 1];
			r = c->rules[k];
			if (r->meta == NULL ||
			    (j = dep_at(r->meta, pos[sp - 1]++)) == -2) {
				state[k] = 2;
				sp--;
				continue;
			}
			if (j < 0 || state[j] == 2)
				continue;
			if (state[j] == 1) {
				/* every rule on the path from j is in the loop */
				for (l = sp - 1; l >= 0; l--) {
					r = c->rules[stack[l]];
					if (r->disabled == NULL)
						r->disabled = xstrdup(
						    "meta dependency loop");
					if (stack[l] == j)
						break;
				}
				continue;
			}
			state[j] = 1;
			stack[sp] = j;
			pos[sp++] = 0;
		}
	}
	xfree(state);
	xfree(stack);
	xfree(pos);
}

/* saconf_finish - defaults, meta binding, loop check, regex compile */
void
saconf_finish(struct saconf *c)
{
	struct saconf_settings *s = &c->set;
	struct saconf_rule *r;
	size_t i, j, k;
	int idx, missing, *list;

	if (c->finished)
		return;
	c->finished = 1;
	replace_tags(c);
	c->rules = xreallocarray(NULL, c->nent + 1, sizeof(*c->rules));
	for (i = j = 0; i < c->nent; i++) {
		r = c->ent[i];
		if (r->type == SA_NTYPES) {
			rule_free(r);
			continue;
		}
		c->ent[j++] = r;
		c->rules[c->nrules++] = r;
	}
	c->nent = j;
	rehash(c);
	list = xreallocarray(NULL, c->nrules + 1, sizeof(*list));
	for (i = 0; i < c->nrules; i++) {
		r = c->rules[i];
		if (!r->scored)
			default_score(r);
		if (r->kind == SAK_REGEX && r->disabled == NULL)
			compile_rule(c, r);
		if (r->meta == NULL)
			continue;
		missing = 0;
		for (k = 0; k < meta_nrefs(r->meta); k++) {
			if (meta_is_glob(r->meta, k)) {
				bind_glob(c, r, k, list);
				continue;
			}
			idx = lookup(c, meta_ref(r->meta, k));
			meta_bind(r->meta, k, idx);
			if (idx < 0)
				missing = 1;
		}
		c->sum.meta_missing += missing;
	}
	xfree(list);
	meta_loops(c);
	if (s->rewrite_subject == 1) {
		xfree(s->subject_tag);
		s->subject_tag = xstrdup(c->tag ? c->tag : "*****SPAM*****");
	} else if (s->rewrite_subject == -1 && c->tag_from_header)
		s->subject_tag = xstrdup(c->tag);
}

/* saconf_new - an empty set with SpamAssassin's defaults */
struct saconf *
saconf_new(const struct saconf_opts *opts)
{
	struct saconf *c;

	c = xcalloc(1, sizeof(*c));
	if (opts)
		c->opts = *opts;
	c->version = c->opts.version > 0 ? c->opts.version : SACONF_VERSION;
	c->set.required_score = 5.0;
	c->set.rewrite_subject = -1;
	c->set.report_safe = 1;
	list_add(&c->set.ok_languages, "all");
	list_add(&c->set.ok_locales, "all");
	c->set.use_bayes = c->set.bayes_auto_learn = 1;
	c->set.use_pyzor = c->set.use_razor2 = c->set.use_dcc = 1;
	c->set.autolearn_nonspam = 0.1;
	c->set.autolearn_spam = 12.0;
	rehash(c);
	return c;
}

/* saconf_free - release a set and everything in it */
void
saconf_free(struct saconf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nent; i++)
		rule_free(c->ent[i]);
	xfree(c->ent);
	xfree(c->rules);
	xfree(c->hash);
	for (i = 0; i < c->nfiles; i++)
		xfree(c->files[i]);
	xfree(c->files);
	for (i = 0; i < c->nunknown; i++)
		xfree(c->unknown[i]);
	xfree(c->unknown);
	kv_free(&c->rtag);
	kv_free(&c->rpre);
	kv_free(&c->rpost);
	kv_free(&c->rinter);
	list_free(&c->rrules);
	xfree(c->tag);
	xfree(c->set.subject_tag);
	xfree(c->set.rewrite_from);
	xfree(c->set.rewrite_to);
	list_free(&c->set.welcomelist_from);
	list_free(&c->set.net_key);
	list_free(&c->set.net_val);
	list_free(&c->set.plug_key);
	list_free(&c->set.plug_val);
	list_free(&c->set.blocklist_from);
	list_free(&c->set.ok_languages);
	list_free(&c->set.ok_locales);
	list_free(&c->set.loadplugin);
	xfree(c);
}

/* saconf_nrules - how many rules are defined (after saconf_finish) */
size_t
saconf_nrules(const struct saconf *c)
{
	return c->nrules;
}

/* saconf_rule_at - the i-th rule, in order of first definition */
struct saconf_rule *
saconf_rule_at(const struct saconf *c, size_t i)
{
	return i < c->nrules ? c->rules[i] : NULL;
}

/* saconf_rule_index - the index of a defined rule, -1 when none */
int
saconf_rule_index(const struct saconf *c, const char *name)
{
	if (!c->finished)
		return -1;
	return lookup(c, name);
}

/* saconf_rule_find - a defined rule by name, NULL when none */
struct saconf_rule *
saconf_rule_find(const struct saconf *c, const char *name)
{
	int i = saconf_rule_index(c, name);

	return i < 0 ? NULL : c->rules[i];
}

/* saconf_disable - the scorer disables a rule (e.g. unimplemented eval) */
void
saconf_disable(struct saconf *c, struct saconf_rule *r, const char *why)
{
	(void)c;
	if (r->disabled)
		return;
	r->disabled = xstrdup(why);
	if (r->code) {
		pcre2_code_free(r->code);
		r->code = NULL;
	}
}

/* saconf_settings - the options read (after saconf_finish) */
const struct saconf_settings *
saconf_settings(const struct saconf *c)
{
	return &c->set;
}

/* saconf_type_name - a rule type as the configuration spells it */
const char *
saconf_type_name(enum saconf_type t)
{
	static const char *const n[] = { "header", "body", "rawbody",
	    "full", "uri", "meta", "mimeheader", "askdns" };

	return t < SA_NTYPES ? n[t] : "undefined";
}

/* saconf_summary - counts per rule type and of everything skipped */
void
saconf_summary(const struct saconf *c, struct saconf_summary *s)
{
	size_t i;
	const struct saconf_rule *r;

	*s = c->sum;
	/* counted now, not at load: a checker may have revived some */
	s->bad_regex = s->capture_tags = 0;
	for (i = 0; i < c->nrules; i++) {
		r = c->rules[i];
		if (r->disabled && strncmp(r->disabled, "PCRE2:", 6) == 0)
			s->bad_regex++;
		if (r->disabled && strncmp(r->disabled, "captured tag", 12) == 0)
			s->capture_tags++;
		if (r->disabled)
			s->disabled[r->type]++;
		else {
			s->active[r->type]++;
			if (r->kind == SAK_EVAL)
				s->evals[r->type]++;
		}
	}
}

/* saconf_summary_format - the summary as "mailsiftctl rules" prints it */
void
saconf_summary_format(const struct saconf *c, struct buf *out)
{
	struct saconf_summary s;
	const struct saconf_rule *r;
	size_t i;
	int t;

	saconf_summary(c, &s);
	buf_addf(out, "files %d, lines %d\n", s.files, s.lines);
	for (t = 0; t < SA_NTYPES; t++)
		buf_addf(out, "%-10s %5d active (%d eval), %d disabled\n",
		    saconf_type_name(t), s.active[t], s.evals[t],
		    s.disabled[t]);
	buf_addf(out, "regexes PCRE2 refused (after rewriting): %d\n",
	    s.bad_regex);
	buf_addf(out, "rules using captured tags (unsupported): %d\n",
	    s.capture_tags);
	buf_addf(out, "metas naming an undefined rule: %d\n", s.meta_missing);
	buf_addf(out, "unknown directives: %d lines", s.unknown_directives);
	for (i = 0; i < c->nunknown; i++)
		buf_addf(out, "%s%s", i ? ", " : " (", c->unknown[i]);
	buf_addf(out, "%s\n", c->nunknown ? ")" : "");
	buf_addf(out, "known directives not used: %d lines\n",
	    s.ignored_directives);
	buf_addf(out, "unknown if conditions: %d\n", s.unknown_conditions);
	buf_addf(out, "malformed lines: %d\n", s.bad_lines);
	for (i = 0; i < c->nrules; i++) {
		r = c->rules[i];
		if (r->disabled)
			buf_addf(out, "disabled %s %s (%s:%d): %s\n",
			    saconf_type_name(r->type), r->name, r->file,
			    r->line, r->disabled);
	}
}

/* glob_match - s matches a * and ? glob, case-insensitive when icase */
static int
glob_match(const char *g, const char *s, int icase)
{
	const char *star = NULL, *mark = NULL;

	while (*s) {
		if (*g == '*') {
			star = g++;
			mark = s;
		} else if (*g == '?' || (*g && (icase ?
		    tolower((unsigned char)*g) == tolower((unsigned char)*s) :
		    *g == *s))) {
			g++;
			s++;
		} else if (star) {
			g = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*g == '*')
		g++;
	return *g == '\0';
}

/* saconf_glob - case-insensitive match of s against a * and ? glob */
int
saconf_glob(const char *g, const char *s)
{
	return glob_match(g, s, 1);
}

/* saconf_listed - addr matches one of the globs of a list */
int
saconf_listed(const struct saconf_list *l, const char *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (saconf_glob(l->v[i], addr))
			return 1;
	return 0;
}
