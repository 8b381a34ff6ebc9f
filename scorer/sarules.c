/*
 * sarules.c - SpamAssassin's rules loaded in spamd's order (see
 * sarules.h): Mail::SpamAssassin read_pre (the site's *.pre), the
 * default rules directory, the site rules directory (its *.cf, which
 * holds local.cf on Debian), then the user's file.
 *
 * Exports sarules_load.  Inputs: configuration files (trusted,
 * error-prone), read at start-up before the privilege drop.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "mem.h"
#include "saconf.h"
#include "sarules.h"
#include "uri.h"

/* name_cmp - byte order of file names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir_files - the sorted paths of dir whose names end in ext */
static char **
dir_files(const char *dir, const char *ext, int *n)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t l, el = strlen(ext);
	struct buf p = BUF_INIT;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l <= el || strcmp(de->d_name + l - el, ext) != 0)
			continue;
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	for (int i = 0; i < *n; i++) {
		buf_reset(&p);
		buf_addf(&p, "%s/%s", dir, v[i]);
		xfree(v[i]);
		v[i] = xstrdup(buf_str(&p));
	}
	buf_free(&p);
	return v;
}

/* pre_plugins - the modules "loadplugin" lines of the files name */
static void
pre_plugins(char **files, int n, char ***plugins, int *np)
{
	char line[4096], *s, *e;
	FILE *f;
	int i;

	for (i = 0; i < n; i++) {
		if ((f = fopen(files[i], "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f)) {
			for (s = line; *s == ' ' || *s == '\t'; s++)
				;
			if (strncasecmp(s, "loadplugin", 10) != 0 ||
			    (s[10] != ' ' && s[10] != '\t'))
				continue;
			for (s += 10; *s == ' ' || *s == '\t'; s++)
				;
			for (e = s; *e && !strchr(" \t\r\n#", *e); e++)
				;
			if (e == s)
				continue;
			*plugins = xreallocarray(*plugins, *np + 2,
			    sizeof(char *));
			(*plugins)[(*np)++] = xstrndup(s, e - s);
			(*plugins)[*np] = NULL;
		}
		fclose(f);
	}
}

/*
 * rb_names - util_rb_tld, util_rb_2tld and util_rb_3tld of a file (or
 * of every *.cf of a directory) handed to lib/uri, so that URIs in text
 * end in the TLDs SpamAssassin knows (RegistryBoundaries)
 */
static void
rb_names(const char *path)
{
	char line[8192], *s, *w, *save;
	char **files = NULL;
	int n = 0, i, kind;
	FILE *f;
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		files = dir_files(path, ".cf", &n);
		for (i = 0; i < n; i++) {
			rb_names(files[i]);
			xfree(files[i]);
		}
		xfree(files);
		return;
	}
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (strncasecmp(s, "util_rb_", 8) != 0)
			continue;
		if (strncasecmp(s + 8, "tld", 3) == 0)
			kind = 1, s += 11;
		else if (strncasecmp(s + 8, "2tld", 4) == 0 ||
		    strncasecmp(s + 8, "3tld", 4) == 0)
			kind = 2, s += 12;
		else
			continue;
		if (*s != ' ' && *s != '\t')
			continue;
		if ((w = strchr(s, '#')) != NULL)
			*w = '\0';
		for (w = strtok_r(s, " \t\r\n", &save); w;
		    w = strtok_r(NULL, " \t\r\n", &save)) {
			for (char *c = w; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c += 32;
			if (kind == 1)
				uri_tld_add(w);
			else
				uri_suffix_add(w);
		}
	}
	fclose(f);
}

/* sarules_load - see sarules.h */
struct saconf *
sarules_load(const char *rules_dir, const char *site_dir,
    const char *local_cf, struct buf *err)
{
	struct saconf_opts o;
	struct saconf *c;
	char **pre = NULL, **site = NULL, **plugins = NULL;
	int npre = 0, nsite = 0, np = 0, i;
	struct stat st;

	if (rules_dir == NULL || stat(rules_dir, &st) < 0) {
		buf_addf(err, "%s: %s", rules_dir ? rules_dir : "(none)",
		    strerror(errno));
		return NULL;
	}
	if (site_dir) {
		pre = dir_files(site_dir, ".pre", &npre);
		site = dir_files(site_dir, ".cf", &nsite);
		if (pre == NULL && site == NULL && stat(site_dir, &st) < 0)
			buf_addf(err, "%s%s: %s", err->len ? "; " : "",
			    site_dir, strerror(errno));
	}
	/* the rules directory may hold *.pre too (sa-update output) */
	if (npre == 0 && S_ISDIR(st.st_mode))
		pre = dir_files(rules_dir, ".pre", &npre);
	pre_plugins(pre, npre, &plugins, &np);
	/*
	 * TextCat is always on: Debian's v310.pre leaves it commented out,
	 * which silently turns the tutorial's ok_languages into a no-op.
	 * With the default "ok_languages all" its rule never fires.
	 */
	for (i = 0; i < np; i++)
		if (strstr(plugins[i], "TextCat"))
			break;
	if (i == np) {
		plugins = xreallocarray(plugins, (size_t)np + 2,
		    sizeof(char *));
		plugins[np++] = xstrdup("Mail::SpamAssassin::Plugin::TextCat");
		plugins[np] = NULL;
	}
	memset(&o, 0, sizeof(o));
	o.plugins = (const char *const *)plugins;
	o.can = saconf_sa401_can;
	c = saconf_new(&o);
	for (i = 0; i < npre; i++)
		saconf_load_path(c, pre[i]);
	if (saconf_load_path(c, rules_dir) < 0) {
		buf_addf(err, "%s%s: cannot read the rules", err->len ? "; " :
		    "", rules_dir);
		saconf_free(c);
		c = NULL;
		goto out;
	}
	for (i = 0; i < nsite; i++)
		if (saconf_load_path(c, site[i]) < 0)
			buf_addf(err, "%s%s: not read", err->len ? "; " : "",
			    site[i]);
	if (local_cf && saconf_load_path(c, local_cf) < 0)
		buf_addf(err, "%s%s: not read", err->len ? "; " : "",
		    local_cf);
	saconf_finish(c);
	rb_names(rules_dir);
	for (i = 0; i < nsite; i++)
		rb_names(site[i]);
	if (local_cf)
		rb_names(local_cf);
out:
	for (i = 0; i < npre; i++)
		xfree(pre[i]);
	for (i = 0; i < nsite; i++)
		xfree(site[i]);
	xfree(pre);
	xfree(site);
	/* the plugin list is read while loading only (ifplugin, if) */
	for (i = 0; i < np; i++)
		xfree(plugins[i]);
	xfree(plugins);
	return c;
}
