/*
 * saconf.h - SpamAssassin's configuration language read into a rule set
 * the scorer evaluates.
 *
 * Exports struct saconf_opts, struct saconf_rule, struct saconf_list,
 * struct saconf_settings, struct saconf_summary, the SA_* rule types,
 * SAK_* rule kinds, SAH_* header modifiers and SAF_* tflags, saconf_new,
 * saconf_load_path, saconf_load_string, saconf_finish, saconf_free,
 * saconf_nrules, saconf_rule_at, saconf_rule_find, saconf_rule_index,
 * saconf_disable, saconf_settings, saconf_summary,
 * saconf_summary_format, saconf_type_name, saconf_listed, saconf_glob
 * and saconf_sa401_can.  The configuration files are trusted but
 * error-prone (the stock rules, sa-update output, the site's local.cf):
 * every error names file:line and disables only what it touches.  See
 * saconf.c.
 */
#ifndef SACONF_H
#define SACONF_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <stddef.h>
#include <stdint.h>

#include <pcre2.h>

#include "buf.h"
#include "meta.h"

/* the SpamAssassin release whose rules and "if version" we follow */
#define SACONF_VERSION	4.000001

enum saconf_type {
	SA_HEADER, SA_BODY, SA_RAWBODY, SA_FULL, SA_URI, SA_META,
	SA_MIMEHEADER, SA_ASKDNS, SA_NTYPES
};

enum saconf_kind {
	SAK_REGEX,		/* a pattern (header, body, ...) */
	SAK_EXISTS,		/* header exists:Name */
	SAK_EVAL,		/* eval:func(args); askdns: "askdns" */
	SAK_META,		/* meta expression */
};

/* header field modifiers (Field:raw:addr ...) */
#define SAH_RAW		0x0001
#define SAH_ADDR	0x0002
#define SAH_NAME	0x0004
#define SAH_HOST	0x0008
#define SAH_DOMAIN	0x0010
#define SAH_IP		0x0020
#define SAH_REVIP	0x0040
#define SAH_FIRST	0x0080
#define SAH_LAST	0x0100

/* tflags */
#define SAF_NET			0x0001
#define SAF_NICE		0x0002
#define SAF_LEARN		0x0004
#define SAF_USERCONF		0x0008
#define SAF_NOAUTOLEARN		0x0010
#define SAF_MULTIPLE		0x0020
#define SAF_MAXHITS		0x0040
#define SAF_AUTOLEARN_FORCE	0x0080
#define SAF_AUTOLEARN_HEADER	0x0100
#define SAF_AUTOLEARN_BODY	0x0200
#define SAF_NOSUBJECT		0x0400
#define SAF_NOAWL		0x0800
#define SAF_NOLOG		0x1000
#define SAF_PUBLISH		0x2000
#define SAF_NOTRIM		0x4000
#define SAF_DOMAINS_ONLY	0x8000
#define SAF_OTHER		0x10000	/* a flag not listed above */

struct saconf_rule {
	char			*name;
	enum saconf_type	 type;
	enum saconf_kind	 kind;
	char			*file;		/* where defined (last time) */
	int			 line;
	/* header and mimeheader */
	char			*field;		/* "Subject", "ALL", "ToCc"... */
	unsigned		 hmods;		/* SAH_* */
	int			 negate;	/* "!~" */
	char			*if_unset;	/* [if-unset: STR] or NULL */
	/* regex */
	char			*pattern;	/* the Perl text, as written */
	char			*pcre;		/* what PCRE2 compiled */
	uint32_t		 options;	/* PCRE2_CASELESS ... */
	pcre2_code		*code;		/* NULL when disabled */
	int			 jit;		/* JIT-compiled */
	/* eval */
	char			*eval_func;
	char			*eval_args;	/* raw, without the parentheses */
	/* meta */
	char			*expr;
	struct meta		*meta;		/* bound to rule indexes */
	/* attributes (from score, describe, tflags, priority) */
	double			 score[4];	/* score sets 0..3; "__" rules
						   never count in a message */
	int			 scored;	/* a "score" line was seen */
	char			*describe;
	unsigned		 tflags;	/* SAF_* */
	char			*tflags_raw;
	int			 maxhits;
	int			 priority;
	char			*disabled;	/* why, or NULL when active */
};

struct saconf_list {
	char			**v;
	size_t			 n, cap;
};

struct saconf_settings {
	double			 required_score;	/* 5.0 */
	char			*subject_tag;	/* rewrite_header Subject */
	int			 rewrite_subject;	/* -1 unset, 0, 1 */
	char			*rewrite_from, *rewrite_to;
	int			 report_safe;		/* 1 */
	struct saconf_list	 welcomelist_from;	/* globs */
	struct saconf_list	 blocklist_from;
	struct saconf_list	 ok_languages;		/* "all" */
	struct saconf_list	 ok_locales;
	struct saconf_list	 loadplugin;
	int			 use_bayes, bayes_auto_learn;	/* 1, 1 */
	int			 use_pyzor, use_razor2, use_dcc; /* 1 each */
	double			 autolearn_nonspam, autolearn_spam;
	/* the network settings other modules read (trusted_networks,
	 * internal_networks, msa_networks, originating_ip_headers and
	 * their clear_ forms): net_key[i] net_val[i], in file order */
	struct saconf_list	 net_key, net_val;
	/* the settings of the Bayes, Pyzor and DNS-list modules, kept
	 * for them in file order: uridnsbl, urirhsbl, urirhssub,
	 * uridnssub, uridnsbl_skip_domain, bayes_*, pyzor_*, dns_*,
	 * rbl_timeout, skip_rbl_checks, skip_uribl_checks:
	 * plug_key[i] plug_val[i] */
	struct saconf_list	 plug_key, plug_val;
};

struct saconf_summary {
	int	 active[SA_NTYPES];	/* enabled rules per type */
	int	 disabled[SA_NTYPES];
	int	 evals[SA_NTYPES];	/* active rules of kind eval */
	int	 bad_regex;		/* disabled: PCRE2 refused */
	int	 capture_tags;		/* disabled: uses a %{TAG} */
	int	 meta_missing;		/* metas naming an undefined rule */
	int	 unknown_directives;	/* lines */
	int	 ignored_directives;	/* known to SA, unused here */
	int	 unknown_conditions;
	int	 bad_lines;		/* malformed known directives */
	int	 files, lines;
};

struct saconf_opts {
	const char *const	*plugins;	/* implemented, NULL-ended */
	const char *const	*can;		/* true can() names */
	/* plugins: full or short names ("Mail::SpamAssassin::Plugin::X", "X") */
	const char		*lang;		/* lang xx lines to keep */
	double			 version;	/* 0: SACONF_VERSION */
	int			 local_tests_only;	/* no network tests */
};

struct saconf;

/*
 * The can() names that are true in SpamAssassin 4.0.1; a name under
 * Mail::SpamAssassin::Plugin:: is true only when its plugin is listed.
 */
extern const char *const saconf_sa401_can[];

struct saconf	*saconf_new(const struct saconf_opts *);
int		 saconf_load_path(struct saconf *, const char *);
int		 saconf_load_string(struct saconf *, const char *name,
		    const char *text);
void		 saconf_finish(struct saconf *);
void		 saconf_free(struct saconf *);

size_t		 saconf_nrules(const struct saconf *);
struct saconf_rule *saconf_rule_at(const struct saconf *, size_t);
struct saconf_rule *saconf_rule_find(const struct saconf *, const char *);
int		 saconf_rule_index(const struct saconf *, const char *);
void		 saconf_disable(struct saconf *, struct saconf_rule *,
		    const char *why);

const struct saconf_settings *saconf_settings(const struct saconf *);
void		 saconf_summary(const struct saconf *,
		    struct saconf_summary *);
void		 saconf_summary_format(const struct saconf *, struct buf *);
const char	*saconf_type_name(enum saconf_type);
int		 saconf_listed(const struct saconf_list *, const char *addr);
int		 saconf_glob(const char *glob, const char *s);

#endif
