/*
 * archnames_test.c - unit tests of archnames.c: a table of archives made
 * at run time (python3's zipfile/tarfile/gzip in a temporary directory,
 * and libarchive's write API), each with the names, return value and
 * error expected; then truncated archives, random and mutated bytes,
 * which must never crash.  Inputs: none (self-contained).
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archnames.h"
#include "buf.h"
#include "mem.h"
#include "test.h"

static char dir[] = "/tmp/archnames_test.XXXXXX";

/* The archives, written by python3 into dir. */
static const char gen_py[] =
"import gzip, io, sys, tarfile, zipfile, os\n"
"os.chdir(sys.argv[1])\n"
"def zbytes(members, comp=zipfile.ZIP_DEFLATED):\n"
"    b = io.BytesIO()\n"
"    with zipfile.ZipFile(b, 'w', comp) as z:\n"
"        for n, d in members:\n"
"            z.writestr(n, d)\n"
"    return b.getvalue()\n"
"def put(name, data):\n"
"    with open(name, 'wb') as f:\n"
"        f.write(data)\n"
"put('two.zip', zbytes([('a.txt', b'hello'), ('invoice.pdf.exe', b'MZ')]))\n"
"inner = zbytes([('evil.exe', b'MZ' * 100)])\n"
"put('nested.zip', zbytes([('inner.zip', inner), ('readme.txt', b'hi')]))\n"
"put('stored.zip', zbytes([('inner.zip', inner)], zipfile.ZIP_STORED))\n"
"for ext, mode in (('tar.gz', 'w:gz'), ('tar.bz2', 'w:bz2'),\n"
"    ('tar.xz', 'w:xz')):\n"
"    with tarfile.open('x.' + ext, mode) as t:\n"
"        ti = tarfile.TarInfo('dir/x.scr'); ti.size = 3\n"
"        t.addfile(ti, io.BytesIO(b'abc'))\n"
"b = io.BytesIO()\n"
"with tarfile.open(fileobj=b, mode='w', format=tarfile.USTAR_FORMAT,\n"
"    encoding='latin-1') as t:\n"
"    ti = tarfile.TarInfo('caf\\xe9.exe'); ti.size = 0\n"
"    t.addfile(ti)\n"
"put('latin1.tar', b.getvalue())\n"
"put('tarinzip.zip', zbytes([('t.tar', b.getvalue())]))\n"
"z = zbytes([('bottom.exe', b'MZ')])\n"
"for i in range(29):\n"
"    z = zbytes([('n%d.zip' % i, z)])\n"
"put('deep.zip', z)\n"
"def zeros(w, n):\n"
"    blk = bytes(1 << 20)\n"
"    for i in range(n):\n"
"        w.write(blk)\n"
"b = io.BytesIO()\n"
"with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:\n"
"    with z.open('zeros.bin', 'w', force_zip64=True) as w:\n"
"        zeros(w, 100)\n"
"put('bomb.zip', zbytes([('big.zip', b.getvalue())]))\n"
"with zipfile.ZipFile('bigtar.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
"    with z.open('big.tar', 'w', force_zip64=True) as w:\n"
"        with tarfile.open(fileobj=w, mode='w|') as t:\n"
"            ti = tarfile.TarInfo('zeros.bin'); ti.size = 100 << 20\n"
"            class Z:\n"
"                n = ti.size\n"
"                def read(self, k):\n"
"                    k = min(k, self.n); self.n -= k; return bytes(k)\n"
"            t.addfile(ti, Z())\n"
"with open('named.gz', 'wb') as f:\n"
"    with gzip.GzipFile(filename='report.exe', mode='wb', fileobj=f) as g:\n"
"        g.write(b'MZ' * 1000)\n"
"put('noname.gz', gzip.compress(b'just text\\n' * 100))\n"
"put('gzinzip.zip', zbytes([('x.gz', open('named.gz', 'rb').read())]))\n"
"put('text.txt', b'Dear customer,\\nplease find attached.\\n' * 20)\n"
"put('empty', b'')\n"
"d = open('two.zip', 'rb').read()\n"
"put('trunc.zip', d[:len(d) // 2])\n"
"d = open('x.tar.gz', 'rb').read()\n"
"put('trunc.tar.gz', d[:len(d) - 30])\n";

struct names {
	struct buf	 b;
	int		 n, stop_after;
};

/* collect - fn for archnames_list: "depth:name" joined by "|" */
static int
collect(const char *name, int depth, void *ctx)
{
	struct names *nm = ctx;

	if (name == NULL) {
		buf_adds(&nm->b, "(NULL)");
		return 1;
	}
	if (nm->n++ > 0)
		buf_addc(&nm->b, '|');
	buf_addf(&nm->b, "%d:%s", depth, name);
	return nm->stop_after > 0 && nm->n >= nm->stop_after;
}

/* slurp - the contents of dir/name into b; -1 if it cannot be read */
static int
slurp(const char *name, struct buf *b)
{
	char path[256], chunk[65536];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf_reset(b);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(b, chunk, n);
	fclose(fp);
	return 0;
}

/* write_arch - one member "evil.exe" in format fmt, filter filt, into b */
static int
write_arch(const char *fmt, const char *filt, const char *opts,
    const char *pass, struct buf *b)
{
	static char out[1 << 20];
	struct archive *a;
	struct archive_entry *e;
	size_t used = 0;
	int ok;

	a = archive_write_new();
	ok = archive_write_set_format_by_name(a, fmt) == ARCHIVE_OK &&
	    (filt == NULL ||
	    archive_write_add_filter_by_name(a, filt) == ARCHIVE_OK) &&
	    (opts == NULL || archive_write_set_options(a, opts) == ARCHIVE_OK) &&
	    (pass == NULL ||
	    archive_write_set_passphrase(a, pass) == ARCHIVE_OK) &&
	    archive_write_open_memory(a, out, sizeof(out), &used) ==
	    ARCHIVE_OK;
	if (ok) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, "evil.exe");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 4);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		    archive_write_data(a, "MZ!!", 4) == 4;
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		ok = 0;
	if (!ok)
		printf("# %s/%s: %s\n", fmt, filt ? filt : "-",
		    archive_error_string(a));
	archive_write_free(a);
	buf_reset(b);
	buf_add(b, out, used);
	return ok ? 0 : -1;
}

#define L(d, f, t)	{ d, f, t }
#define STD		L(5, 1000, 10LL << 20)

static const struct {
	const char	*file;
	struct archnames_limits lim;
	int		 stop_after, ret;
	const char	*names, *err;	/* err: prefix */
} cases[] = {
	{ "two.zip", STD, 0, 0, "0:a.txt|0:invoice.pdf.exe", "" },
	{ "nested.zip", STD, 0, 0,
	    "0:inner.zip|1:evil.exe|0:readme.txt", "" },
	{ "stored.zip", STD, 0, 0, "0:inner.zip|1:evil.exe", "" },
	{ "nested.zip", L(0, 1000, 10LL << 20), 0, -1, "0:inner.zip",
	    "too deep" },
	{ "x.tar.gz", STD, 0, 0, "0:dir/x.scr", "" },
	{ "x.tar.bz2", STD, 0, 0, "0:dir/x.scr", "" },
	{ "x.tar.xz", STD, 0, 0, "0:dir/x.scr", "" },
	{ "latin1.tar", STD, 0, 0, "0:caf\xe9.exe", "" },
	{ "tarinzip.zip", STD, 0, 0, "0:t.tar|1:caf\xe9.exe", "" },
	{ "deep.zip", STD, 0, -1,
	    "0:n28.zip|1:n27.zip|2:n26.zip|3:n25.zip|4:n24.zip|5:n23.zip",
	    "too deep" },
	{ "bomb.zip", L(5, 1000, 10000), 0, -1, "0:big.zip",
	    "over size limit" },
	{ "bomb.zip", STD, 0, 0, "0:big.zip|1:zeros.bin", "" },
	{ "bigtar.zip", L(5, 1000, 1LL << 20), 0, -1, "0:big.tar",
	    "over size limit" },
	{ "named.gz", STD, 0, 0, "0:report.exe", "" },
	{ "noname.gz", STD, 0, 0, "", "" },
	{ "gzinzip.zip", STD, 0, 0, "0:x.gz|1:report.exe", "" },
	{ "text.txt", STD, 0, 1, "", "" },
	{ "empty", STD, 0, 1, "", "" },
	{ "two.zip", L(5, 1, 10LL << 20), 0, -1, "0:a.txt",
	    "too many files" },
	{ "two.zip", STD, 1, 0, "0:a.txt", "" },
	{ "deep.zip", STD, 3, 0, "0:n28.zip|1:n27.zip|2:n26.zip", "" },
};

/* The libarchive writers: formats python cannot write. */
static const struct {
	const char	*fmt, *filt, *opts, *pass;
} wcases[] = {
	{ "zip", NULL, NULL, NULL },
	{ "zip", NULL, "zip:encryption=zipcrypt", "secret" },
	{ "7zip", NULL, NULL, NULL },
	{ "cpio", NULL, NULL, NULL },
	{ "cpio", "gzip", NULL, NULL },
	{ "ar", NULL, NULL, NULL },
	{ "iso9660", NULL, NULL, NULL },
	{ "pax", "xz", NULL, NULL },
	{ "pax", "zstd", NULL, NULL },
	{ "xar", NULL, NULL, NULL },
};

/* run - archnames_list on [p, p+len) with names and err into nm, err */
static int
run(const void *p, size_t len, const struct archnames_limits *lim,
    int stop_after, struct names *nm, struct buf *err)
{
	buf_reset(&nm->b);
	buf_adds(&nm->b, "");
	nm->n = 0;
	nm->stop_after = stop_after;
	buf_reset(err);
	buf_adds(err, "");
	return archnames_list(p, len, lim, collect, nm, err);
}

/* xorshift - a fixed-seed generator, so that failures repeat */
static unsigned long long
xorshift(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
main(void)
{
	static const struct archnames_limits std = STD;
	static const char *magic[] = { "", "PK\3\4", "Rar!\x1a\7", "7z\xbc\xaf\x27\x1c",
	    "\x1f\x8b\x08", "BZh9", "\xfd" "7zXZ", "MSCF", "070701", "!<arch>\n" };
	static const char *mutate[] = { "two.zip", "nested.zip", "x.tar.gz",
	    "x.tar.xz", "named.gz", "tarinzip.zip" };
	struct names nm = { BUF_INIT, 0, 0 };
	struct buf data = BUF_INIT, err = BUF_INIT, cmd = BUF_INIT;
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	size_t i, j, len, cut;
	char path[256];
	FILE *fp;
	int r, gen, crashed;

	log_set_stderr(1);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/gen.py", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		printf("Bail out! %s\n", path);
		return 1;
	}
	fputs(gen_py, fp);
	fclose(fp);
	buf_addf(&cmd, "/usr/bin/python3 %s %s", path, dir);
	gen = system(buf_str(&cmd));
	TEST_IS_INT(gen, 0, "python3 made the test archives");

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (slurp(cases[i].file, &data) < 0) {
			TEST_OK(0, "%s: read", cases[i].file);
			continue;
		}
		r = run(data.data, data.len, &cases[i].lim,
		    cases[i].stop_after, &nm, &err);
		TEST_IS_INT(r, cases[i].ret, "%s (case %zu): returns %d",
		    cases[i].file, i, cases[i].ret);
		TEST_IS_STR(buf_str(&nm.b), cases[i].names, "%s (case %zu): names",
		    cases[i].file, i);
		TEST_OK(strncmp(buf_str(&err), cases[i].err,
		    strlen(cases[i].err)) == 0 && (*cases[i].err != '\0' ||
		    err.len == 0), "%s (case %zu): err \"%s\"", cases[i].file,
		    i, buf_str(&err));
	}

	for (i = 0; i < sizeof(wcases) / sizeof(wcases[0]); i++) {
		if (write_arch(wcases[i].fmt, wcases[i].filt, wcases[i].opts,
		    wcases[i].pass, &data) < 0) {
			TEST_OK(0, "write %s", wcases[i].fmt);
			continue;
		}
		r = run(data.data, data.len, &std, 0, &nm, &err);
		TEST_IS_INT(r, 0, "%s%s%s%s: returns 0 (%s)", wcases[i].fmt,
		    wcases[i].filt ? "+" : "",
		    wcases[i].filt ? wcases[i].filt : "",
		    wcases[i].pass ? " encrypted" : "", buf_str(&err));
		TEST_IS_STR(buf_str(&nm.b), "0:evil.exe", "%s: names",
		    wcases[i].fmt);
	}

	/* Truncated: an error or the names before the damage, no crash. */
	r = slurp("trunc.zip", &data);
	r = run(data.data, data.len, &std, 0, &nm, &err);
	TEST_OK((r == -1 && strncmp(buf_str(&err), "damaged: ", 9) == 0) ||
	    (r == 0 && strcmp(buf_str(&nm.b), "0:a.txt") == 0) ||
	    (r == 0 && strcmp(buf_str(&nm.b),
	    "0:a.txt|0:invoice.pdf.exe") == 0),
	    "truncated zip: %d \"%s\" \"%s\"", r, buf_str(&nm.b),
	    buf_str(&err));
	r = slurp("trunc.tar.gz", &data);
	r = run(data.data, data.len, &std, 0, &nm, &err);
	TEST_OK(r == 0 || (r == -1 &&
	    strncmp(buf_str(&err), "damaged: ", 9) == 0),
	    "truncated tar.gz: %d \"%s\" \"%s\"", r, buf_str(&nm.b),
	    buf_str(&err));

	/* Every prefix of a nested zip. */
	crashed = 0;
	if (slurp("nested.zip", &data) == 0)
		for (cut = 0; cut < data.len; cut++) {
			r = run(data.data, cut, &std, 0, &nm, &err);
			if (r < -1 || r > 1 || (r == -1 && err.len == 0))
				crashed++;
		}
	TEST_IS_INT(crashed, 0, "every prefix of nested.zip: sane results");

	/* Random bytes, some behind a real magic number. */
	crashed = 0;
	for (i = 0; i < 2000; i++) {
		const char *m = magic[i % (sizeof(magic) / sizeof(magic[0]))];
		size_t ml = strlen(m);

		len = ml + (size_t)(xorshift(&seed) % 2048);
		buf_reset(&data);
		buf_add(&data, m, ml);
		for (j = ml; j < len; j++)
			buf_addc(&data, (int)(xorshift(&seed) & 0xff));
		r = run(data.data, data.len, &std, 0, &nm, &err);
		if (r < -1 || r > 1 || (r == -1 && err.len == 0))
			crashed++;
	}
	TEST_IS_INT(crashed, 0, "2000 random buffers: sane results");

	/* Good archives with a few bytes changed. */
	crashed = 0;
	for (i = 0; i < sizeof(mutate) / sizeof(mutate[0]); i++) {
		if (slurp(mutate[i], &data) < 0 || data.len == 0) {
			crashed++;
			continue;
		}
		for (j = 0; j < 300; j++) {
			struct buf m = BUF_INIT;
			int k;

			buf_add(&m, data.data, data.len);
			for (k = 0; k < 1 + (int)(j % 4); k++)
				m.data[xorshift(&seed) % m.len] =
				    (char)(xorshift(&seed) & 0xff);
			r = run(m.data, m.len, &std, 0, &nm, &err);
			if (r < -1 || r > 1 || (r == -1 && err.len == 0))
				crashed++;
			buf_free(&m);
		}
	}
	TEST_IS_INT(crashed, 0, "1800 mutated archives: sane results");

	buf_reset(&cmd);
	buf_addf(&cmd, "rm -rf %s", dir);
	if (system(buf_str(&cmd)) != 0)
		printf("# could not remove %s\n", dir);
	buf_free(&nm.b);
	buf_free(&data);
	buf_free(&err);
	buf_free(&cmd);
	TEST_DONE();
}
