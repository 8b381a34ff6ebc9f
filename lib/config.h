/*
 * config.h - mailsift.cf: the parameter table and its parser.
 *
 * Exports struct config (one typed field per parameter of params.def),
 * config_load, config_free, config_dump, config_lookup, the read-only
 * global cf, and config_split (lists in values).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

#include "buf.h"

typedef char		*cf_STR;
typedef long long	 cf_INT;
typedef long long	 cf_TIME;
typedef long long	 cf_SIZE;
typedef int		 cf_BOOL;

struct config {
	char	*config_directory;
#define PARAM(name, type, def, min, max, progs, live, desc)	cf_##type name;
#include "params.def"
#undef PARAM
	int	 nset;		/* how many were set by file or -o */
	char	**set;		/* their names */
};

struct config_param {
	const char	*name;
	const char	*type;
	const char	*def;
	long long	 min, max;
	const char	*programs;
	int		 live;
	const char	*desc;
};

extern const struct config *cf;
extern const struct config_param config_params[];
extern const int config_nparams;

struct config	*config_load(const char *dir, char *const *overrides, int,
		    struct buf *err);
struct config	*config_load_lenient(const char *dir, struct buf *err);
void		 config_free(struct config *);
void		 config_dump(const struct config *, int changed_only,
		    struct buf *out);
const char	*config_str(const struct config *, const char *name);
char		**config_split(const char *, int *count);
void		 config_split_free(char **);

#endif
