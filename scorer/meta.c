/*
 * meta.c - SpamAssassin "meta" expressions compiled to stack bytecode.
 *
 * A meta rule is a Perl expression over rule names: "A && !(B || C)",
 * "(A + B + C) > 1", "A * 2 - B >= 0.5".  Operators, by Perl's
 * precedence from tightest: unary ! - +; * /; + -; < > <= >=; == !=;
 * &&; ||; parentheses group; constants are integers or decimals;
 * rules_matching(GLOB) is the sum of every rule whose name matches the
 * glob (* and ?), as SpamAssassin 4 expands it (the caller finds the
 * rules: meta_bind_glob).  The
 * parser turns the text into postfix code with the rule names kept in
 * a table of references, which the caller binds to its own rule
 * indexes (meta_bind); an unbound reference is a rule that does not
 * exist and counts 0.
 *
 * Evaluation keeps Perl's values: "a && b" is a when a is false and b
 * otherwise, "a || b" is a when a is true and b otherwise, "!a" and
 * the comparisons give 1 or 0, so "(A || B) + C" counts as Perl does
 * with hit counts.  A division by zero gives 0 (Perl would die and
 * SpamAssassin count the rule as not hit).  Both sides of && and ||
 * are computed: the callback must have no side effects.
 *
 * Input: the expression (configuration: trusted but error-prone);
 * the stack need is computed at parse time and bounded, and so is the
 * nesting, so no expression can overflow either stack.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "meta.h"

enum meta_op {
	OP_CONST, OP_REF, OP_NOT, OP_NEG,
	OP_MUL, OP_DIV, OP_ADD, OP_SUB,
	OP_LT, OP_GT, OP_LE, OP_GE, OP_EQ, OP_NE,
	OP_AND, OP_OR,
};

struct meta_insn {
	enum meta_op	 op;
	int		 ref;		/* OP_REF: index in refs */
	double		 val;		/* OP_CONST */
};

struct meta_ref {
	char		*name;		/* rule name, or the glob */
	int		 index;		/* bound rule, -1 when none */
	int		 glob;		/* rules_matching(name) */
	int		*list;		/* glob: the rules it matched */
	size_t		 nlist;
};

struct meta {
	struct meta_insn	*code;
	size_t			 ncode, capcode;
	struct meta_ref		*refs;
	size_t			 nrefs, caprefs;
};

/* parser state over one expression */
struct mp {
	const char	*s;		/* next unread character */
	struct meta	*m;
	int		 depth, maxdepth;	/* operand stack */
	int		 nest;			/* recursion */
	char		*err;
	size_t		 errlen;
	int		 failed;
};

#define MAX_NEST	200

/* binary operators: text, opcode, precedence (higher binds tighter) */
static const struct {
	const char	*text;
	enum meta_op	 op;
	int		 prec;
} binops[] = {
	{ "||", OP_OR, 1 }, { "&&", OP_AND, 2 },
	{ "==", OP_EQ, 3 }, { "!=", OP_NE, 3 },
	{ "<=", OP_LE, 4 }, { ">=", OP_GE, 4 },
	{ "<", OP_LT, 4 }, { ">", OP_GT, 4 },
	{ "+", OP_ADD, 5 }, { "-", OP_SUB, 5 },
	{ "*", OP_MUL, 6 }, { "/", OP_DIV, 6 },
};

/* fail - record the first parse error */
static void __attribute__((format(printf, 2, 3)))
fail(struct mp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed++)
		return;
	va_start(ap, fmt);
	if (p->err && p->errlen)
		vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

/* emit - append one instruction and track the operand stack need */
static void
emit(struct mp *p, enum meta_op op, int ref, double val)
{
	struct meta *m = p->m;

	if (m->ncode == m->capcode) {
		m->capcode = m->capcode ? m->capcode * 2 : 16;
		m->code = xreallocarray(m->code, m->capcode,
		    sizeof(*m->code));
	}
	m->code[m->ncode].op = op;
	m->code[m->ncode].ref = ref;
	m->code[m->ncode].val = val;
	m->ncode++;
	if (op == OP_CONST || op == OP_REF)
		p->depth++;
	else if (op != OP_NOT && op != OP_NEG)
		p->depth--;
	if (p->depth > p->maxdepth)
		p->maxdepth = p->depth;
	if (p->maxdepth > META_MAX_DEPTH)
		fail(p, "expression needs more than %d operands at once",
		    META_MAX_DEPTH);
}

/* add_ref - the reference index of a rule name or glob, added when new */
static int
add_ref(struct meta *m, const char *name, size_t len, int glob)
{
	size_t i;

	for (i = 0; i < m->nrefs; i++)
		if (m->refs[i].glob == glob && strlen(m->refs[i].name) == len &&
		    memcmp(m->refs[i].name, name, len) == 0)
			return (int)i;
	if (m->nrefs == m->caprefs) {
		m->caprefs = m->caprefs ? m->caprefs * 2 : 8;
		m->refs = xreallocarray(m->refs, m->caprefs,
		    sizeof(*m->refs));
	}
	memset(&m->refs[m->nrefs], 0, sizeof(m->refs[m->nrefs]));
	m->refs[m->nrefs].name = xstrndup(name, len);
	m->refs[m->nrefs].index = -1;
	m->refs[m->nrefs].glob = glob;
	return (int)m->nrefs++;
}

/* skip_ws - step over white space */
static void
skip_ws(struct mp *p)
{
	while (*p->s && isspace((unsigned char)*p->s))
		p->s++;
}

static void parse_expr(struct mp *, int);

/* parse_glob - the "(GLOB)" of rules_matching(GLOB) */
static void
parse_glob(struct mp *p)
{
	const char *g;

	skip_ws(p);
	if (*p->s != '(') {
		fail(p, "rules_matching needs (GLOB)");
		return;
	}
	p->s++;
	skip_ws(p);
	g = p->s;
	while (isalnum((unsigned char)*p->s) || *p->s == '_' ||
	    *p->s == '*' || *p->s == '?')
		p->s++;
	if (p->s == g) {
		fail(p, "rules_matching needs a glob");
		return;
	}
	emit(p, OP_REF, add_ref(p->m, g, p->s - g, 1), 0);
	skip_ws(p);
	if (*p->s != ')')
		fail(p, "missing ')' after rules_matching(%.20s", g);
	else
		p->s++;
}

/* parse_unary - a primary with its prefix operators */
static void
parse_unary(struct mp *p)
{
	const char *start;
	char *end;
	double v;

	if (p->failed)
		return;
	if (++p->nest > MAX_NEST) {
		fail(p, "expression nested too deeply");
		return;
	}
	skip_ws(p);
	start = p->s;
	if (*p->s == '!' && p->s[1] != '=') {
		p->s++;
		parse_unary(p);
		emit(p, OP_NOT, 0, 0);
	} else if (*p->s == '-') {
		p->s++;
		parse_unary(p);
		emit(p, OP_NEG, 0, 0);
	} else if (*p->s == '+') {
		p->s++;
		parse_unary(p);
	} else if (*p->s == '(') {
		p->s++;
		parse_expr(p, 1);
		skip_ws(p);
		if (*p->s != ')')
			fail(p, "missing ')' at \"%.20s\"", p->s);
		else
			p->s++;
	} else if (isdigit((unsigned char)*p->s) ||
	    (*p->s == '.' && isdigit((unsigned char)p->s[1]))) {
		while (isdigit((unsigned char)*p->s))
			p->s++;
		if (*p->s == '.')
			for (p->s++; isdigit((unsigned char)*p->s); p->s++)
				;
		v = strtod(start, &end);
		if (end != p->s)
			fail(p, "bad number at \"%.20s\"", start);
		emit(p, OP_CONST, 0, v);
	} else if (isalpha((unsigned char)*p->s) || *p->s == '_') {
		while (isalnum((unsigned char)*p->s) || *p->s == '_')
			p->s++;
		if (p->s - start == 14 && strncmp(start, "rules_matching", 14) == 0)
			parse_glob(p);
		else
			emit(p, OP_REF, add_ref(p->m, start, p->s - start, 0), 0);
	} else if (*p->s == '\0')
		fail(p, "expression ends where an operand is expected");
	else
		fail(p, "unexpected \"%.20s\"", p->s);
	p->nest--;
}

/* parse_expr - operands joined by binary operators of precedence >= min */
static void
parse_expr(struct mp *p, int min)
{
	size_t i, n;

	if (++p->nest > MAX_NEST) {
		fail(p, "expression nested too deeply");
		return;
	}
	parse_unary(p);
	while (!p->failed) {
		skip_ws(p);
		for (i = 0; i < sizeof(binops) / sizeof(binops[0]); i++) {
			n = strlen(binops[i].text);
			if (strncmp(p->s, binops[i].text, n) == 0)
				break;
		}
		if (i == sizeof(binops) / sizeof(binops[0]) ||
		    binops[i].prec < min)
			break;
		p->s += strlen(binops[i].text);
		parse_expr(p, binops[i].prec + 1);
		emit(p, binops[i].op, 0, 0);
	}
	p->nest--;
}

/*
 * meta_parse - compile an expression; NULL with a message in err on a
 * syntax error
 */
struct meta *
meta_parse(const char *expr, char *err, size_t errlen)
{
	struct mp p;

	memset(&p, 0, sizeof(p));
	p.s = expr;
	p.m = xcalloc(1, sizeof(*p.m));
	p.err = err;
	p.errlen = errlen;
	parse_expr(&p, 1);
	skip_ws(&p);
	if (!p.failed && *p.s != '\0')
		fail(&p, "unexpected \"%.20s\"", p.s);
	if (p.failed) {
		meta_free(p.m);
		return NULL;
	}
	return p.m;
}

/* meta_free - release an expression */
void
meta_free(struct meta *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrefs; i++) {
		xfree(m->refs[i].name);
		xfree(m->refs[i].list);
	}
	xfree(m->refs);
	xfree(m->code);
	xfree(m);
}

/* meta_nrefs - how many distinct rule names the expression uses */
size_t
meta_nrefs(const struct meta *m)
{
	return m->nrefs;
}

/* meta_ref - the i-th rule name */
const char *
meta_ref(const struct meta *m, size_t i)
{
	return m->refs[i].name;
}

/* meta_bound - the index bound to the i-th name, -1 when none */
int
meta_bound(const struct meta *m, size_t i)
{
	return m->refs[i].index;
}

/* meta_bind - tie the i-th name to the caller's rule index (-1: none) */
void
meta_bind(struct meta *m, size_t i, int index)
{
	m->refs[i].index = index;
}

/* meta_is_glob - the i-th reference is rules_matching(GLOB) */
int
meta_is_glob(const struct meta *m, size_t i)
{
	return m->refs[i].glob;
}

/* meta_bind_glob - the rule indexes a rules_matching(GLOB) stands for */
void
meta_bind_glob(struct meta *m, size_t i, const int *list, size_t n)
{
	xfree(m->refs[i].list);
	m->refs[i].list = n ? xmemdup(list, n * sizeof(*list)) : NULL;
	m->refs[i].nlist = n;
}

/* meta_glob_list - the rule indexes bound to a glob reference */
const int *
meta_glob_list(const struct meta *m, size_t i, size_t *n)
{
	*n = m->refs[i].nlist;
	return m->refs[i].list;
}

/* meta_eval - the expression's value, rules valued by the callback */
double
meta_eval(const struct meta *m, meta_value_fn value, void *arg)
{
	double st[META_MAX_DEPTH + 1], a, b;
	const struct meta_insn *in;
	const struct meta_ref *r;
	size_t i, k;
	int sp = 0, idx;

	for (i = 0; i < m->ncode; i++) {
		in = &m->code[i];
		switch (in->op) {
		case OP_CONST:
			st[sp++] = in->val;
			continue;
		case OP_REF:
			r = &m->refs[in->ref];
			if (r->glob) {
				for (a = 0, k = 0; k < r->nlist; k++)
					a += value(arg, r->list[k]);
				st[sp++] = a;
				continue;
			}
			idx = r->index;
			st[sp++] = idx < 0 ? 0 : value(arg, idx);
			continue;
		case OP_NOT:
			st[sp - 1] = st[sp - 1] == 0;
			continue;
		case OP_NEG:
			st[sp - 1] = -st[sp - 1];
			continue;
		default:
			break;
		}
		b = st[--sp];
		a = st[sp - 1];
		switch (in->op) {
		case OP_MUL: a = a * b; break;
		case OP_DIV: a = b == 0 ? 0 : a / b; break;
		case OP_ADD: a = a + b; break;
		case OP_SUB: a = a - b; break;
		case OP_LT: a = a < b; break;
		case OP_GT: a = a > b; break;
		case OP_LE: a = a <= b; break;
		case OP_GE: a = a >= b; break;
		case OP_EQ: a = a == b; break;
		case OP_NE: a = a != b; break;
		case OP_AND: a = a == 0 ? a : b; break;
		case OP_OR: a = a != 0 ? a : b; break;
		default: break;
		}
		st[sp - 1] = a;
	}
	return sp == 1 ? st[0] : 0;
}
