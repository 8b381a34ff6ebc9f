/*
 * sarules.h - load SpamAssassin's rules the way spamd 4.0.1 does: the
 * plugin loaders (*.pre) of the site directory, the rules directory's
 * *.cf in byte order, the site directory's *.cf, then a local.cf.
 *
 * Exports sarules_load.  The files are configuration (trusted, read
 * before the privilege drop).  See sarules.c.
 */
#ifndef SARULES_H
#define SARULES_H

#include "buf.h"
#include "saconf.h"

/*
 * sarules_load - a finished rule set from rules_dir (e.g.
 * /usr/share/spamassassin), site_dir (e.g. /etc/spamassassin: its *.pre
 * first, its *.cf after the rules; NULL: none) and local_cf (a file
 * read last; NULL: none).  The plugins SpamAssassin would load are the
 * ones the *.pre files name with loadplugin, plus TextCat (implemented
 * natively, so that ok_languages works with Debian's .pre files).  The util_rb_tld,
 * util_rb_2tld and util_rb_3tld names of the rules go to lib/uri
 * (uri_tld_add, uri_suffix_add: process-wide).  Returns NULL with the
 * reason in err when the rules directory cannot be read; warnings
 * (unreadable site files) are appended to err too.
 */
struct saconf	*sarules_load(const char *rules_dir, const char *site_dir,
		    const char *local_cf, struct buf *err);

#endif
