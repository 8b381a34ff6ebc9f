/*
 * engine_test.c - unit tests of engine.c against a private signature
 * database built with sigtool in a temporary directory (EICAR and
 * clam.exe as .hdb hashes, EICAR as an .ndb body signature): loading,
 * an empty database directory, messages at an unaligned offset inside
 * a file (attachment, zip attachment, body text, clean), scans that
 * must respect both ends of the region, a scan limit, and references.
 * Inputs: /usr/share/clamav-testfiles/clam.exe, sigtool, python3.
 * Skipped when ClamAV is not installed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "mem.h"
#include "test.h"

#define CLAM_EXE	"/usr/share/clamav-testfiles/clam.exe"
#define JUNK_LEN	700	/* not a multiple of the page size */

static const char eicar[] =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

static char tmpdir[] = "/tmp/engine_test.XXXXXX";

/* die - the test environment is broken: stop with a message */
static void __attribute__((noreturn))
die(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(2);
}

/* write_file - create path with exactly len bytes of data */
static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

/* read_file - the whole of path into b */
static void
read_file(const char *path, struct buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		die(path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
}

/* run - a shell command that must succeed */
static void
run(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	if (system(buf_str(&cmd)) != 0)
		die(buf_str(&cmd));
	buf_free(&cmd);
}

/* add_base64 - append data to b as base64 in 76-column lines */
static void
add_base64(struct buf *b, const unsigned char *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		buf_addc(b, tab[v >> 18 & 63]);
		buf_addc(b, tab[v >> 12 & 63]);
		buf_addc(b, i + 1 < len ? tab[v >> 6 & 63] : '=');
		buf_addc(b, i + 2 < len ? tab[v & 63] : '=');
		if ((col += 4) >= 76) {
			buf_adds(b, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		buf_adds(b, "\r\n");
}

/* build_db - the private database of TESTING-PEERS §5 plus a body sig */
static void
build_db(const char *db)
{
	struct buf path = BUF_INIT, ndb = BUF_INIT;
	size_t i;

	buf_addf(&path, "%s/eicar.com", tmpdir);
	write_file(buf_str(&path), eicar, sizeof(eicar) - 1);
	if (mkdir(db, 0700) != 0)
		die(db);
	run("{ sigtool --md5 %s/eicar.com | awk -F: -v OFS=: "
	    "'{$3=\"Test.EICAR.Custom\"; print}' && "
	    "sigtool --md5 %s | awk -F: -v OFS=: "
	    "'{$3=\"Test.ClamExe.Custom\"; print}'; } > %s/test.hdb",
	    tmpdir, CLAM_EXE, db);

	/* .hdb matches whole files only; EICAR inside a body needs this */
	buf_adds(&ndb, "Test.EICAR.Body:0:*:");
	for (i = 0; i < sizeof(eicar) - 1; i++)
		buf_addf(&ndb, "%02x", (unsigned char)eicar[i]);
	buf_addc(&ndb, '\n');
	buf_reset(&path);
	buf_addf(&path, "%s/test.ndb", db);
	write_file(buf_str(&path), ndb.data, ndb.len);
	buf_free(&ndb);
	buf_free(&path);
}

/* mime_attach - a message carrying data as a base64 attachment */
static void
mime_attach(struct buf *m, const char *fname, const char *type,
    const struct buf *data)
{
	buf_adds(m, "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: attachment\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=b=\"\r\n\r\n"
	    "--=b=\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
	    "--=b=\r\n");
	buf_addf(m, "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
	    type, fname, fname);
	add_base64(m, (const unsigned char *)data->data, data->len);
	buf_adds(m, "--=b=--\r\n");
}

/* queue_fd - an unlinked file: JUNK_LEN junk bytes, msg, then trailer */
static int
queue_fd(const struct buf *msg, const char *trailer)
{
	char path[] = "/tmp/engine_test.q.XXXXXX";
	struct buf all = BUF_INIT;
	int fd, i;

	for (i = 0; i < JUNK_LEN; i++)
		buf_addc(&all, i % 50 == 49 ? '\n' : 'J');
	buf_add(&all, msg->data, msg->len);
	buf_adds(&all, trailer);
	if ((fd = mkstemp(path)) < 0)
		die("mkstemp");
	unlink(path);
	if (write(fd, all.data, all.len) != (ssize_t)all.len)
		die("write");
	buf_free(&all);
	return fd;
}

/* scan - scan [JUNK_LEN, JUNK_LEN+len) of fd; name gets the virus name */
static enum scan_result
scan(struct engine *e, int fd, long long len, const char **name)
{
	struct buf err = BUF_INIT;
	enum scan_result r;

	r = engine_scan(e, fd, JUNK_LEN, len, name, &err);
	if (err.len > 0)
		printf("# engine_scan: %s\n", buf_str(&err));
	buf_free(&err);
	return r;
}

/* has_prefix - s is not NULL and starts with p */
static int
has_prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

int
main(void)
{
	struct buf db = BUF_INIT, empty = BUF_INIT, err = BUF_INIT;
	struct buf exe = BUF_INIT, zip = BUF_INIT, path = BUF_INIT;
	struct buf m = BUF_INIT;
	struct engine_limits lim = { 0 };
	struct engine *e, *small;
	const char *name;
	long long hdr_len;
	int fd;

	if (system("command -v sigtool >/dev/null 2>&1") != 0 ||
	    access(CLAM_EXE, R_OK) != 0) {
		printf("1..0 # SKIP no clamav\n");
		return 0;
	}
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp");
	buf_addf(&db, "%s/db", tmpdir);
	buf_addf(&empty, "%s/empty", tmpdir);
	if (mkdir(buf_str(&empty), 0700) != 0)
		die("mkdir");
	build_db(buf_str(&db));
	read_file(CLAM_EXE, &exe);
	buf_addf(&path, "%s/clam.zip", tmpdir);
	run("python3 -c 'import sys, zipfile; "
	    "zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED)"
	    ".write(sys.argv[2], \"clam.exe\")' %s %s",
	    buf_str(&path), CLAM_EXE);
	read_file(buf_str(&path), &zip);

	/* loading */
	e = engine_load(buf_str(&db), &lim, &err);
	TEST_OK(e != NULL, "engine_load on the private database (%s)",
	    buf_str(&err));
	if (e == NULL)
		TEST_DONE();
	TEST_IS_INT(engine_signatures(e), 3, "3 signatures loaded");
	buf_reset(&err);
	log_set_stderr(0);	/* libclamav complains too; that is expected */
	TEST_OK(engine_load(buf_str(&empty), NULL, &err) == NULL,
	    "engine_load on an empty directory fails");
	log_set_stderr(1);
	TEST_OK(strstr(buf_str(&err), "no signature database") != NULL,
	    "with a clear reason: %s", buf_str(&err));

	/* clam.exe as a base64 attachment, message at an unaligned offset */
	mime_attach(&m, "clam.exe", "application/octet-stream", &exe);
	fd = queue_fd(&m, "");
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_VIRUS,
	    "clam.exe attachment: VIRUS");
	TEST_OK(has_prefix(name, "Test.ClamExe"), "named %s",
	    name ? name : "(null)");
	close(fd);

	/* the same attachment in a zip */
	buf_reset(&m);
	mime_attach(&m, "clam.zip", "application/zip", &zip);
	fd = queue_fd(&m, "");
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_VIRUS,
	    "zipped clam.exe attachment: VIRUS");
	TEST_OK(has_prefix(name, "Test.ClamExe"), "named %s",
	    name ? name : "(null)");
	close(fd);

	/* a clean message */
	buf_reset(&m);
	buf_adds(&m, "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: hello\r\n\r\nNothing to see here.\r\n");
	fd = queue_fd(&m, "");
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_CLEAN,
	    "clean message: CLEAN");
	TEST_OK(name == NULL, "and no name");
	close(fd);

	/* EICAR in a plain-text body, with another copy after the region */
	buf_reset(&m);
	buf_adds(&m, "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: test\r\n\r\n");
	hdr_len = (long long)m.len;
	buf_addf(&m, "Here it is:\r\n%s\r\nBye.\r\n", eicar);
	fd = queue_fd(&m, eicar);
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_VIRUS,
	    "EICAR in a text body: VIRUS");
	TEST_OK(has_prefix(name, "Test.EICAR"), "named %s",
	    name ? name : "(null)");
	TEST_IS_INT(scan(e, fd, hdr_len, &name), SCAN_CLEAN,
	    "the header part of the same message alone: CLEAN");
	close(fd);

	/* EICAR only after the region: the end of the region holds */
	buf_reset(&m);
	buf_adds(&m, "From: a@example.org\r\nSubject: x\r\n\r\nclean\r\n");
	fd = queue_fd(&m, eicar);
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_CLEAN,
	    "EICAR just past the end of the region is not seen");
	TEST_IS_INT(scan(e, fd, (long long)m.len + (long long)sizeof(eicar)
	    - 1, &name), SCAN_VIRUS, "and is seen when the region covers it");
	close(fd);

	/* an empty region and a bad one */
	TEST_IS_INT(engine_scan(e, 0, 0, 0, &name, &err), SCAN_CLEAN,
	    "empty region: CLEAN");
	buf_reset(&err);
	TEST_IS_INT(engine_scan(e, 0, -1, 10, &name, &err), SCAN_ERROR,
	    "negative offset: ERROR (%s)", buf_str(&err));

	/* a message over max_filesize (decided before libclamav runs) */
	lim.max_filesize = 200;
	buf_reset(&err);
	small = engine_load(buf_str(&db), &lim, &err);
	TEST_OK(small != NULL, "engine_load with max_filesize 200 (%s)",
	    buf_str(&err));
	if (small != NULL) {
		buf_reset(&m);
		mime_attach(&m, "clam.exe", "application/octet-stream", &exe);
		fd = queue_fd(&m, "");
		TEST_IS_INT(scan(small, fd, (long long)m.len, &name),
		    SCAN_LIMIT, "over max_filesize: LIMIT");
		TEST_IS_STR(name, "Heuristics.Limits.Exceeded.MaxFileSize",
		    "named after the limit");
		close(fd);
		engine_unref(small);
	}

	/* a limit hit inside libclamav: the zip is too deep */
	lim.max_filesize = 0;
	lim.max_recursion = 1;
	buf_reset(&err);
	small = engine_load(buf_str(&db), &lim, &err);
	TEST_OK(small != NULL, "engine_load with max_recursion 1 (%s)",
	    buf_str(&err));
	if (small != NULL) {
		buf_reset(&m);
		mime_attach(&m, "clam.zip", "application/zip", &zip);
		fd = queue_fd(&m, "");
		TEST_IS_INT(scan(small, fd, (long long)m.len, &name),
		    SCAN_LIMIT, "zip below max_recursion: LIMIT");
		TEST_OK(has_prefix(name, "Heuristics.Limits.Exceeded"),
		    "named %s", name ? name : "(null)");
		close(fd);
		engine_unref(small);
	}

	/* references: a scan holding a ref outlives the loader's unref */
	engine_ref(e);
	engine_unref(e);
	buf_reset(&m);
	mime_attach(&m, "clam.exe", "application/octet-stream", &exe);
	fd = queue_fd(&m, "");
	TEST_IS_INT(scan(e, fd, (long long)m.len, &name), SCAN_VIRUS,
	    "still scans after ref + unref");
	close(fd);
	engine_unref(e);	/* the last one: cl_engine_free */
	TEST_OK(1, "last unref frees the engine (ASan checks for leaks)");

	run("rm -rf %s", tmpdir);
	buf_free(&db);
	buf_free(&empty);
	buf_free(&err);
	buf_free(&exe);
	buf_free(&zip);
	buf_free(&path);
	buf_free(&m);
	TEST_DONE();
}
