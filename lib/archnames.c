/*
 * archnames.c - the member names inside archives, for banned-attachment
 * rules.
 *
 * Exports archnames_list.  Inputs: the archive bytes, hostile (a mail
 * attachment), parsed by libarchive from memory; nothing touches the
 * disk and no external decompressor is ever run (only library-backed
 * filters are enabled).  Nested archives are walked with an explicit
 * stack, not C recursion, bounded by max_depth; the nested data held in
 * memory is bounded by max_total, the names by max_files.  Runs
 * unprivileged, in the scanner.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <wchar.h>

#include "archnames.h"
#include "buf.h"
#include "mem.h"

#define HEAD_LEN	262	/* enough for "ustar" at offset 257 */

struct frame {
	struct archive	*a;
	char		*data;		/* owned copy of a nested archive */
	int		 depth;
};

struct walk {
	const struct archnames_limits *lim;
	int		(*fn)(const char *, int, void *);
	void		*ctx;
	struct buf	*err;
	int		 files;
	long long	 total;
	int		 stop;		/* fn asked to stop */
};

/* reader_new - a reader for the archive formats and filters we accept */
static struct archive *
reader_new(int raw)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL)
		return NULL;
	/*
	 * Not archive_read_support_filter_all: that one also forks
	 * lrzip, lzop and grzip on hostile data.  Not format_all: "raw"
	 * and "empty" match anything, mtree matches loose text.
	 */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_filter_compress(a);
	if (raw) {
		archive_read_support_format_raw(a);
		return a;
	}
	archive_read_support_format_7zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip(a);
	return a;
}

/* damaged - set err to "damaged: <libarchive's reason>"; returns -1 */
static int
damaged(struct walk *w, struct archive *a)
{
	const char *s = a ? archive_error_string(a) : NULL;

	buf_reset(w->err);
	buf_addf(w->err, "damaged: %s", s ? s : "unknown error");
	return -1;
}

/* fail - set err to reason; returns -1 */
static int
fail(struct walk *w, const char *reason)
{
	buf_reset(w->err);
	buf_adds(w->err, reason);
	return -1;
}

/* report - count a name against max_files and hand it to fn */
static int
report(struct walk *w, const char *name, int depth)
{
	if (++w->files > w->lim->max_files)
		return fail(w, "too many files");
	if (w->fn(name, depth, w->ctx) != 0)
		w->stop = 1;
	return 0;
}

/* add_utf8 - append code point c to b as UTF-8 (U+FFFD if invalid) */
static void
add_utf8(struct buf *b, unsigned long c)
{
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		buf_addc(b, (int)c);
	} else if (c < 0x800) {
		buf_addc(b, 0xc0 | (int)(c >> 6));
		buf_addc(b, 0x80 | (int)(c & 0x3f));
	} else if (c < 0x10000) {
		buf_addc(b, 0xe0 | (int)(c >> 12));
		buf_addc(b, 0x80 | (int)((c >> 6) & 0x3f));
		buf_addc(b, 0x80 | (int)(c & 0x3f));
	} else {
		buf_addc(b, 0xf0 | (int)(c >> 18));
		buf_addc(b, 0x80 | (int)((c >> 12) & 0x3f));
		buf_addc(b, 0x80 | (int)((c >> 6) & 0x3f));
		buf_addc(b, 0x80 | (int)(c & 0x3f));
	}
}

/* entry_name - the member's name as stored, or from the wide form */
static const char *
entry_name(struct archive_entry *e, struct buf *tmp)
{
	const char *s;
	const wchar_t *ws;

	if ((s = archive_entry_pathname(e)) != NULL)
		return s;
	buf_reset(tmp);
	buf_adds(tmp, "");
	/* The multibyte form failed to convert: spell the wide one. */
	if ((ws = archive_entry_pathname_w(e)) != NULL)
		for (; *ws != L'\0'; ws++)
			add_utf8(tmp, (unsigned long)*ws);
	return buf_str(tmp);
}

/* gzip_fname - the FNAME field of the gzip header in [p, p+len), or NULL */
static const char *
gzip_fname(const unsigned char *p, size_t len, size_t *nlen)
{
	size_t off = 10, i;

	if (len < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
		return NULL;
	if (p[3] & 0x04) {		/* FEXTRA */
		if (len - off < 2)
			return NULL;
		off += 2 + (p[off] | (size_t)p[off + 1] << 8);
		if (off > len)
			return NULL;
	}
	if (!(p[3] & 0x08))		/* no FNAME */
		return NULL;
	for (i = off; i < len; i++)
		if (p[i] == '\0') {
			*nlen = i - off;
			return (const char *)p + off;
		}
	return NULL;
}

/*
 * bare_name - for a compressed single file (not an archive), report the
 * stored name if there is one; returns 1 if p is not even compressed,
 * 0 or -1 as report.
 */
static int
bare_name(struct walk *w, const void *p, size_t len, int depth)
{
	struct archive *a;
	struct archive_entry *e;
	struct buf tmp = BUF_INIT;
	const char *name = NULL;
	size_t nlen = 0;
	int code, r = 1;

	if ((a = reader_new(1)) == NULL)
		return fail(w, "out of memory");
	if (archive_read_open_memory(a, p, len) != ARCHIVE_OK)
		goto out;
	/* The raw format matches anything: only trust it over a filter. */
	code = archive_filter_code(a, 0);
	if (archive_filter_count(a) < 2 || code == ARCHIVE_FILTER_NONE)
		goto out;
	r = 0;
	if (archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
		name = entry_name(e, &tmp);
		/* "data" is libarchive's placeholder, not a stored name. */
		if (strcmp(name, "data") == 0)
			name = NULL;
		else
			nlen = strlen(name);
	}
	if (name == NULL && code == ARCHIVE_FILTER_GZIP &&
	    (name = gzip_fname(p, len, &nlen)) != NULL) {
		buf_reset(&tmp);
		buf_add(&tmp, name, nlen);
		name = buf_str(&tmp);
	}
	if (name != NULL && nlen > 0)
		r = report(w, name, depth);
out:
	archive_read_free(a);
	buf_free(&tmp);
	return r;
}

/*
 * frame_open - start reading the archive in [p, p+len) at depth; returns
 * 0 (f is set up), 1 if it is no archive we know, 2 if it was a
 * compressed single file (its stored name reported), or -1.
 */
static int
frame_open(struct walk *w, struct frame *f, const void *p, size_t len,
    int depth)
{
	struct archive *a;
	int r;

	if ((a = reader_new(0)) == NULL)
		return fail(w, "out of memory");
	if (archive_read_open_memory(a, p, len) != ARCHIVE_OK) {
		/* EILSEQ: no format bidder took it (ARCHIVE_ERRNO_FILE_FORMAT). */
		if (archive_errno(a) == EILSEQ) {
			archive_read_free(a);
			r = bare_name(w, p, len, depth);
			return r == 0 ? 2 : r;
		}
		r = damaged(w, a);
		archive_read_free(a);
		return r;
	}
	f->a = a;
	f->data = NULL;
	f->depth = depth;
	return 0;
}

/* looks_archive - do the first len bytes of h start an archive we open? */
static int
looks_archive(const unsigned char *h, size_t len)
{
	static const struct {
		const char	*magic;
		size_t		 len, off;
	} m[] = {
		{ "PK\3\4", 4, 0 },
		{ "Rar!", 4, 0 },
		{ "7z\xbc\xaf\x27\x1c", 6, 0 },
		{ "\x1f\x8b", 2, 0 },
		{ "BZh", 3, 0 },
		{ "\xfd" "7zXZ", 5, 0 },
		{ "ustar", 5, 257 },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (len >= m[i].off + m[i].len &&
		    memcmp(h + m[i].off, m[i].magic, m[i].len) == 0)
			return 1;
	return 0;
}

/*
 * read_member - read the current member of a into b if it looks like an
 * archive; returns 1 if it does (b holds all of it), 0 if not, -1 on
 * error (over max_total, damaged data).
 */
static int
read_member(struct walk *w, struct archive *a, struct buf *b)
{
	char chunk[16384];
	ssize_t n;
	size_t want;

	buf_reset(b);
	while (b->len < HEAD_LEN) {
		if ((n = archive_read_data(a, chunk, HEAD_LEN - b->len)) < 0)
			return damaged(w, a);
		if (n == 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	if (!looks_archive((unsigned char *)b->data, b->len))
		return 0;
	for (;;) {
		if (w->total + (long long)b->len > w->lim->max_total)
			return fail(w, "over size limit");
		/* One byte more than the budget left shows it is over. */
		want = sizeof(chunk);
		if ((long long)want > w->lim->max_total - w->total -
		    (long long)b->len + 1)
			want = (size_t)(w->lim->max_total - w->total -
			    (long long)b->len + 1);
		if ((n = archive_read_data(a, chunk, want)) < 0)
			return damaged(w, a);
		if (n == 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	w->total += (long long)b->len;
	return 1;
}

/*
 * archnames_list - call fn(name, depth, ctx) for every member name of the
 * archive in [p, p+len), descending into nested archives
 */
int
archnames_list(const void *p, size_t len, const struct archnames_limits *lim,
    int (*fn)(const char *name, int depth, void *ctx), void *ctx,
    struct buf *err)
{
	struct walk w = { lim, fn, ctx, err, 0, 0, 0 };
	struct frame *st;
	struct archive_entry *e;
	struct buf data = BUF_INIT, tmp = BUF_INIT;
	const char *name;
	int n = 0, r, depth, maxd;

	maxd = lim->max_depth < 0 ? 0 : lim->max_depth;
	st = xcalloc((size_t)maxd + 1, sizeof(*st));
	if ((r = frame_open(&w, &st[0], p, len, 0)) != 0) {
		if (r == 2)
			r = 0;
		goto out;
	}
	n = 1;
	while (n > 0 && !w.stop) {
		struct frame *f = &st[n - 1];

		r = archive_read_next_header(f->a, &e);
		if (r == ARCHIVE_EOF) {
			archive_read_free(f->a);
			xfree(f->data);
			n--;
			continue;
		}
		/* WARN is e.g. an unconvertible name: the entry is good. */
		if (r < ARCHIVE_WARN) {
			r = damaged(&w, f->a);
			goto out;
		}
		name = entry_name(e, &tmp);
		/* iso9660 lists its root directory as ".": no member. */
		if (strcmp(name, ".") == 0 &&
		    archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if ((r = report(&w, name, f->depth)) != 0)
			goto out;
		if (w.stop)
			break;
		/* Encrypted: the name is all we can have. */
		if (archive_entry_is_encrypted(e) ||
		    archive_entry_filetype(e) != AE_IFREG)
			continue;
		if ((r = read_member(&w, f->a, &data)) < 0)
			goto out;
		if (r == 0)
			continue;
		depth = f->depth + 1;
		if (depth > maxd) {
			r = fail(&w, "too deep");
			goto out;
		}
		r = frame_open(&w, &st[n], data.data, data.len, depth);
		if (r < 0)
			goto out;
		if (r == 0) {
			/* The frame owns the bytes libarchive reads from. */
			st[n].data = buf_steal(&data);
			n++;
		}
	}
	r = 0;
out:
	while (n > 0) {
		n--;
		archive_read_free(st[n].a);
		xfree(st[n].data);
	}
	xfree(st);
	buf_free(&data);
	buf_free(&tmp);
	return r;
}
