/*
 * engine.c - a libclamav engine that scans a region of an open file in
 * place (the message inside a queue file), shared by many threads.
 *
 * Exports engine_load, engine_ref, engine_unref, engine_signatures,
 * engine_scan and engine_scan_all.  The database directory is trusted
 * (loaded before the jail); the scanned bytes are hostile mail that
 * libclamav parses in this process, unprivileged.  The region is
 * handed to libclamav as an fmap over a pread callback, so nothing is
 * copied to a temporary file by us (libclamav itself may still spill
 * decoded parts to its tmpdir).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <clamav.h>

#include "buf.h"
#include "engine.h"
#include "log.h"
#include "mem.h"

#define LIMIT_PREFIX	"Heuristics.Limits.Exceeded"
#define LIMIT_FILESIZE	LIMIT_PREFIX ".MaxFileSize"

struct engine {
	struct cl_engine	*cl;
	unsigned		 sigs;
	long long		 max_filesize;	/* effective, 0 = none */
	unsigned		 parse;		/* cl_scan_options.parse */
	atomic_uint		 refs;
};

/* The fmap handle: libclamav sees the region as a file starting at 0. */
struct region {
	int		 fd;
	long long	 off;
};

/* An all-match scan: libclamav hands it back to virus_found. */
struct allmatch {
	engine_found_fn	*found;
	void		*ctx;
	const char	*first;		/* the first signature reported */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static cl_error_t init_rc;

/* clam_msg - route libclamav's own messages to our log */
static void
clam_msg(enum cl_msg severity, const char *fullmsg, const char *msg,
    void *context)
{
	size_t n = strlen(msg);

	/* libclamav messages end in a newline; ours are one line each */
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		n--;
	if (severity == CL_MSG_ERROR)
		log_error("libclamav: %.*s", (int)n, msg);
	else if (severity == CL_MSG_WARN)
		log_warn("libclamav: %.*s", (int)n, msg);
	else if (log_verbose)
		log_debug("libclamav: %.*s", (int)n, msg);
}

/* clam_init - cl_init once per process, whatever thread gets here first */
static void
clam_init(void)
{
	cl_set_clcb_msg(clam_msg);
	init_rc = cl_init(CL_INIT_DEFAULT);
}

/*
 * virus_found - libclamav's report of one match.  Only all-match scans
 * pass a context: the others read the verdict from the scan's result.
 */
static void
virus_found(int fd, const char *virname, void *context)
{
	struct allmatch *am = context;

	(void)fd;
	if (am == NULL || virname == NULL)
		return;
	/* a limit is no signature: the content was not seen, not found bad */
	if (strncmp(virname, LIMIT_PREFIX, sizeof(LIMIT_PREFIX) - 1) == 0)
		return;
	if (am->first == NULL)
		am->first = virname;
	am->found(virname, am->ctx);
}

/* set_limit - set one engine field unless the caller left it at 0 */
static int
set_limit(struct cl_engine *cl, enum cl_engine_field f, long long v,
    const char *name, struct buf *err)
{
	cl_error_t rc;

	if (v <= 0)
		return 0;
	if ((rc = cl_engine_set_num(cl, f, v)) != CL_SUCCESS) {
		buf_addf(err, "cannot set %s to %lld: %s", name, v,
		    cl_strerror(rc));
		return -1;
	}
	return 0;
}

/* engine_load - build and compile an engine from the databases in dbdir */
struct engine *
engine_load(const char *dbdir, const struct engine_limits *lim,
    struct buf *err)
{
	struct cl_engine *cl;
	struct engine *e;
	unsigned sigs = 0;
	struct stat st;
	cl_error_t rc;
	int gerr;

	pthread_once(&init_once, clam_init);
	if (init_rc != CL_SUCCESS) {
		buf_addf(err, "cl_init: %s", cl_strerror(init_rc));
		return NULL;
	}
	if ((cl = cl_engine_new()) == NULL) {
		buf_addf(err, "cl_engine_new failed");
		return NULL;
	}
	if (lim != NULL && (
	    set_limit(cl, CL_ENGINE_MAX_SCANSIZE, lim->max_scansize,
	    "max_scansize", err) < 0 ||
	    set_limit(cl, CL_ENGINE_MAX_FILESIZE, lim->max_filesize,
	    "max_filesize", err) < 0 ||
	    set_limit(cl, CL_ENGINE_MAX_RECURSION, lim->max_recursion,
	    "max_recursion", err) < 0 ||
	    set_limit(cl, CL_ENGINE_MAX_FILES, lim->max_files,
	    "max_files", err) < 0 ||
	    set_limit(cl, CL_ENGINE_MAX_SCANTIME, lim->max_scantime_ms,
	    "max_scantime", err) < 0 ||
	    set_limit(cl, CL_ENGINE_DISABLE_CACHE, lim->no_cache,
	    "disable_cache", err) < 0))
		goto fail;
	if (lim != NULL && lim->tmpdir != NULL && lim->tmpdir[0] &&
	    (rc = cl_engine_set_str(cl, CL_ENGINE_TMPDIR, lim->tmpdir)) !=
	    CL_SUCCESS) {
		buf_addf(err, "cannot set the temporary directory %s: %s",
		    lim->tmpdir, cl_strerror(rc));
		goto fail;
	}
	if (stat(dbdir, &st) != 0) {
		buf_addf(err, "cannot open database directory %s: %s", dbdir,
		    strerror(errno));
		goto fail;
	}
	if ((rc = cl_load(dbdir, cl, &sigs, CL_DB_STDOPT)) != CL_SUCCESS) {
		/* cl_load says only "Can't open" for a directory with no db */
		if (rc == CL_EOPEN && S_ISDIR(st.st_mode))
			buf_addf(err, "no signature database in %s", dbdir);
		else
			buf_addf(err, "cannot load signatures from %s: %s",
			    dbdir, cl_strerror(rc));
		goto fail;
	}
	/* an empty directory loads "successfully" and would pass everything */
	if (sigs == 0) {
		buf_addf(err, "no signature database in %s", dbdir);
		goto fail;
	}
	/* set before the engine is shared: libclamav's setters take no lock */
	cl_engine_set_clcb_virus_found(cl, virus_found);
	if ((rc = cl_engine_compile(cl)) != CL_SUCCESS) {
		buf_addf(err, "cannot compile signatures from %s: %s", dbdir,
		    cl_strerror(rc));
		goto fail;
	}
	e = xcalloc(1, sizeof(*e));
	e->cl = cl;
	e->sigs = sigs;
	e->max_filesize = cl_engine_get_num(cl, CL_ENGINE_MAX_FILESIZE, &gerr);
	if (gerr != CL_SUCCESS)
		e->max_filesize = 0;
	e->parse = ~0u;		/* every parser, mail and archives, as clamd */
	if (lim && lim->no_mail)
		e->parse &= ~(unsigned)CL_SCAN_PARSE_MAIL;
	if (lim && lim->no_archive)
		e->parse &= ~(unsigned)CL_SCAN_PARSE_ARCHIVE;
	atomic_init(&e->refs, 1);
	return e;
fail:
	cl_engine_free(cl);
	return NULL;
}

/* engine_ref - take one more reference (a scan, a reload in progress) */
void
engine_ref(struct engine *e)
{
	atomic_fetch_add(&e->refs, 1);
}

/* engine_unref - drop a reference; the last one frees the engine */
void
engine_unref(struct engine *e)
{
	unsigned old;

	if (e == NULL)
		return;
	old = atomic_fetch_sub(&e->refs, 1);
	if (old == 0)
		log_panic("%s: engine reference count underflow", __func__);
	if (old > 1)
		return;
	cl_engine_free(e->cl);
	xfree(e);
}

/* engine_signatures - how many signatures cl_load counted */
unsigned
engine_signatures(const struct engine *e)
{
	return e->sigs;
}

/* region_pread - the fmap callback: read at offset within the region */
static off_t
region_pread(void *handle, void *buf, size_t count, off_t offset)
{
	const struct region *r = handle;
	size_t done = 0;
	ssize_t n;

	/* fmap counts a short read as failure, so fill up to EOF */
	while (done < count) {
		n = pread(r->fd, (char *)buf + done, count - done,
		    r->off + offset + (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done > 0 ? (off_t)done : -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (off_t)done;
}

/*
 * scan_region - engine_scan, or with am an all-match scan that reports
 * every signature to am->found
 */
static enum scan_result
scan_region(struct engine *e, int fd, long long off, long long len,
    struct allmatch *am, const char **virname, struct buf *err)
{
	struct cl_scan_options opts;
	struct region r = { fd, off };
	unsigned long scanned = 0;
	const char *name = NULL;
	cl_fmap_t *map;
	cl_error_t rc;

	*virname = NULL;
	if (off < 0 || len < 0) {
		buf_addf(err, "bad region offset %lld length %lld", off, len);
		return SCAN_ERROR;
	}
	if (len == 0)
		return SCAN_CLEAN;	/* fmap refuses an empty map */
	/*
	 * cl_scanmap_callback (1.4) answers CL_VIRUS with no name for a map
	 * over MaxFileSize; decide that case here, as cl_scandesc does.
	 */
	if (e->max_filesize > 0 && len > e->max_filesize) {
		*virname = LIMIT_FILESIZE;
		return SCAN_LIMIT;
	}

	/*
	 * The fmap offset must be page-aligned, so the map starts at 0 and
	 * region_pread adds the message offset instead.
	 */
	if ((map = cl_fmap_open_handle(&r, 0, (size_t)len, region_pread,
	    1)) == NULL) {
		buf_addf(err, "cannot map %lld bytes at offset %lld", len, off);
		return SCAN_ERROR;
	}
	memset(&opts, 0, sizeof(opts));
	opts.parse = e->parse;
	opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	if (am != NULL)
		opts.general = CL_SCAN_GENERAL_ALLMATCHES;
	rc = cl_scanmap_callback(map, NULL, &name, &scanned, e->cl, &opts, am);
	cl_fmap_close(map);

	/* all-match: any name may come back; the first real match is it */
	if (rc == CL_VIRUS && am != NULL && am->first != NULL) {
		*virname = am->first;
		return SCAN_VIRUS;
	}
	switch (rc) {
	case CL_CLEAN:
		return SCAN_CLEAN;
	case CL_VIRUS:
		if (name == NULL) {
			/* never seen but for the case above: keep the verdict */
			log_warn("%s: libclamav found a virus without a name",
			    __func__);
			name = "Unnamed.UNKNOWN";
		}
		*virname = name;
		if (strncmp(name, LIMIT_PREFIX, sizeof(LIMIT_PREFIX) - 1) == 0)
			return SCAN_LIMIT;
		return SCAN_VIRUS;
	case CL_ETIMEOUT:
		buf_addf(err, "scan time limit: %s", cl_strerror(rc));
		return SCAN_LIMIT;
	default:
		buf_addf(err, "scan failed: %s", cl_strerror(rc));
		return SCAN_ERROR;
	}
}

/*
 * engine_scan - scan [off, off+len) of fd; on VIRUS or LIMIT *virname is
 * set and stays valid while the caller holds its reference to e
 */
enum scan_result
engine_scan(struct engine *e, int fd, long long off, long long len,
    const char **virname, struct buf *err)
{
	return scan_region(e, fd, off, len, NULL, virname, err);
}

/*
 * engine_scan_all - engine_scan in all-match mode: found(name, ctx) for
 * each signature that matches, in libclamav's order, as it is found
 * (limit alerts are not signatures: they only make the result LIMIT)
 */
enum scan_result
engine_scan_all(struct engine *e, int fd, long long off, long long len,
    engine_found_fn *found, void *ctx, const char **virname,
    struct buf *err)
{
	struct allmatch am = { found, ctx, NULL };

	return scan_region(e, fd, off, len, &am, virname, err);
}

/*
 * engine_dbversion - "VERSION/DATE" of the daily database in dbdir as
 * clamd's VERSION command shows it ("27400/Tue Oct  1 08:21:00 2024"),
 * or "" when there is no daily.cvd or daily.cld (custom signatures only)
 */
void
engine_dbversion(const char *dbdir, char *out, size_t len)
{
	static const char *const names[] = { "daily.cld", "daily.cvd" };
	struct buf path = BUF_INIT;
	struct cl_cvd *cvd = NULL;
	char tbuf[64];
	time_t t;
	size_t i, n;

	*out = '\0';
	pthread_once(&init_once, clam_init);
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && !cvd; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", dbdir, names[i]);
		if (access(buf_str(&path), R_OK) == 0)
			cvd = cl_cvdhead(buf_str(&path));
	}
	buf_free(&path);
	if (cvd == NULL)
		return;
	t = (time_t)cvd->stime;
	if (ctime_r(&t, tbuf) == NULL)
		tbuf[0] = '\0';
	n = strlen(tbuf);
	if (n > 0 && tbuf[n - 1] == '\n')
		tbuf[n - 1] = '\0';
	snprintf(out, len, "%u/%s", cvd->version, tbuf);
	cl_cvdfree(cvd);
}
