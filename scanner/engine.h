/*
 * engine.h - a libclamav engine that scans a region of an open file in
 * place (the message inside a queue file), shared by many threads.
 *
 * Exports engine_load, engine_ref, engine_unref, engine_signatures,
 * engine_dbversion, engine_scan, engine_scan_all and struct
 * engine_limits, enum scan_result, engine_found_fn.  The
 * signature directory is trusted (root-owned, loaded before the jail);
 * the scanned bytes are hostile mail, parsed by libclamav in the
 * calling process.  An engine is refcounted so that a reload can build
 * a new one beside the old one: every scan holds the engine it started
 * with, and the last engine_unref frees it.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include "buf.h"

struct engine;

/* A value <= 0 leaves libclamav's default (see clamd.conf(5)). */
struct engine_limits {
	long long	 max_scansize;		/* MaxScanSize, bytes */
	long long	 max_filesize;		/* MaxFileSize, bytes */
	int		 max_recursion;		/* MaxRecursion */
	int		 max_files;		/* MaxFiles */
	int		 max_scantime_ms;	/* MaxScanTime */
	int		 no_mail;		/* ScanMail no */
	int		 no_archive;		/* ScanArchive no */
	int		 no_cache;		/* DisableCache yes */
	const char	*tmpdir;		/* TemporaryDirectory, NULL:
						   libclamav's ($TMPDIR, /tmp) */
};

enum scan_result {
	SCAN_CLEAN,
	SCAN_VIRUS,
	SCAN_ERROR,
	SCAN_LIMIT	/* a scan limit was hit: the content is unchecked */
};

struct engine	*engine_load(const char *dbdir, const struct engine_limits *,
		    struct buf *err);
void		 engine_ref(struct engine *);
void		 engine_unref(struct engine *);
unsigned	 engine_signatures(const struct engine *);
void		 engine_dbversion(const char *dbdir, char *, size_t);
enum scan_result engine_scan(struct engine *, int fd, long long off,
		    long long len, const char **virname, struct buf *err);

/* One signature that matched, in an all-match scan (clamd ALLMATCHSCAN). */
typedef void	 engine_found_fn(const char *virname, void *ctx);
enum scan_result engine_scan_all(struct engine *, int fd, long long off,
		    long long len, engine_found_fn *, void *ctx,
		    const char **virname, struct buf *err);

#endif
