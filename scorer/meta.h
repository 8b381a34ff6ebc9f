/*
 * meta.h - SpamAssassin "meta" expressions: boolean and arithmetic
 * formulas over rule names, compiled to a small stack bytecode.
 *
 * Exports struct meta, meta_parse, meta_free, meta_nrefs, meta_ref,
 * meta_bound, meta_bind, meta_is_glob, meta_bind_glob, meta_glob_list,
 * meta_eval.  The expression text comes from configuration
 * (trusted but error-prone); evaluation is pure and bounded by the
 * expression's length.  See meta.c.
 */
#ifndef META_H
#define META_H

#include <stddef.h>

/* Deepest operand stack an expression may need. */
#define META_MAX_DEPTH	128

struct meta;

/* rule value callback: index is what meta_bind gave the reference */
typedef double	(*meta_value_fn)(void *arg, int index);

struct meta	*meta_parse(const char *expr, char *err, size_t errlen);
void		 meta_free(struct meta *);
size_t		 meta_nrefs(const struct meta *);
const char	*meta_ref(const struct meta *, size_t);
int		 meta_bound(const struct meta *, size_t);
void		 meta_bind(struct meta *, size_t, int index);
int		 meta_is_glob(const struct meta *, size_t);
void		 meta_bind_glob(struct meta *, size_t, const int *, size_t);
const int	*meta_glob_list(const struct meta *, size_t, size_t *);
double		 meta_eval(const struct meta *, meta_value_fn, void *arg);

#endif
