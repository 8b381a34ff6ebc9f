/*
 * banned_test.c - unit tests of banned.c: a Postfix mime_header_checks
 * table (the tutorial's rules and a double-extension rule) against
 * messages built here: plain, double-extension, RFC 2231 and RFC 2047
 * names, an .exe two zips deep, PE and ELF content under innocent names,
 * clean PDF and text attachments, OK exceptions, a 30-level nested zip
 * and MIME limits.  Inputs: none; the zips are made by python3 in a
 * temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "buf.h"
#include "mem.h"
#include "regtable.h"
#include "test.h"

static const char table_text[] =
"/filename=\"?[^\"]*\\.[^.\"]+\\.(exe|vbs|pif|scr|bat|cmd|com|cpl|dll)\"?$/"
" REJECT double extension\n"
"/filename=\"?.*\\.(bat|com|pif|vb|exe|lnk|scr|reg|chm|wsh|js|inf|shs|job|"
"ini|shb|scp|scf|wsc|sct|dll|msc|msi)\"?$/ REJECT Extension de fichier "
"joint refusée.\n"
"/^Content-(Disposition|Type):.*(file)?name=\"?.*\\.(bat|com|pif|vb|exe|"
"lnk|scr|reg|chm|wsh|js|inf|shs|job|ini|shb|scp|scf|wsc|sct|dll|msc|msi)"
"\"?$/ REJECT Extension de fichier joint refusée.\n";

/* The OK exception goes first, as a postmaster would write it. */
static const char ok_table_text[] =
"/filename=\"safe-[^\"]*\"$/ OK\n"
"/filename=\"?.*\\.(exe|scr)\"?$/ DISCARD\n";

static char dir[] = "/tmp/banned_test.XXXXXX";

static const char gen_py[] =
"import io, sys, zipfile\n"
"def z(members):\n"
"    b = io.BytesIO()\n"
"    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as f:\n"
"        for n, d in members:\n"
"            f.writestr(n, d)\n"
"    return b.getvalue()\n"
"d = sys.argv[1]\n"
"inner = z([('evil.exe', b'not really')])\n"
"open(d + '/nested.zip', 'wb').write(z([('readme.txt', b'hi'),\n"
"    ('inner.zip', inner)]))\n"
"open(d + '/clean.zip', 'wb').write(z([('a.txt', b'a'),\n"
"    ('docs/b.pdf', b'%PDF-1.4')]))\n"
"x = z([('data.txt', b'bottom')])\n"
"for i in range(30):\n"
"    x = z([('n%02d.zip' % i, x)])\n"
"open(d + '/deep.zip', 'wb').write(x)\n";

/* slurp - the file dir/name into b; 0 or -1 */
static int
slurp(const char *name, struct buf *b)
{
	char path[256], chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* b64 - append base64 of p[0..len) to out, lines of 76 */
static void
b64(struct buf *out, const void *p, size_t len, int wrap)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	size_t i, col = 0;
	unsigned long v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		buf_addc(out, al[v >> 18 & 63]);
		buf_addc(out, al[v >> 12 & 63]);
		buf_addc(out, i + 1 < len ? al[v >> 6 & 63] : '=');
		buf_addc(out, i + 2 < len ? al[v & 63] : '=');
		if (wrap && (col += 4) >= 76) {
			buf_adds(out, "\r\n");
			col = 0;
		}
	}
	if (wrap && col)
		buf_adds(out, "\r\n");
}

/*
 * message - a multipart/mixed message: a text body, then one attachment
 * with headers hdrs (CRLF-separated) and data base64-encoded; hdrs NULL:
 * no attachment
 */
static void
message(struct buf *m, const char *hdrs, const void *data, size_t len)
{
	buf_reset(m);
	buf_adds(m, "From: a@example.org\r\nTo: b@example.org\r\n"
	    "Subject: test\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
	    "--XYZ\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "Hello.\r\n");
	if (hdrs) {
		buf_addf(m, "--XYZ\r\n%s\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", hdrs);
		b64(m, data, len, 1);
	}
	buf_adds(m, "--XYZ--\r\n");
}

/* attach - the usual headers for an attachment named name of type type */
static void
attach(struct buf *m, const char *type, const char *name, const void *data,
    size_t len)
{
	struct buf h = BUF_INIT;

	buf_addf(&h, "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"", type, name,
	    name);
	message(m, buf_str(&h), data, len);
	buf_free(&h);
}

/* check - run banned_check on m; v filled */
static int
check(const struct buf *m, const struct regtable *t,
    const struct banned_limits *lim, struct banned_verdict *v)
{
	return banned_check(buf_str(m), m->len, t, lim, v);
}

/* pe - a minimal PE image head: MZ, e_lfanew 0x80, "PE\0\0" */
static void
pe(struct buf *b)
{
	unsigned char img[0x100];

	memset(img, 0, sizeof(img));
	img[0] = 'M';
	img[1] = 'Z';
	img[0x3c] = 0x80;
	memcpy(img + 0x80, "PE\0\0", 4);
	buf_reset(b);
	buf_add(b, img, sizeof(img));
}

int
main(void)
{
	struct banned_limits lim = {
		{ 0, 0 }, { 10, 1000, 10 * 1024 * 1024 }
	};
	struct banned_verdict v;
	struct regtable *t, *okt;
	struct buf m = BUF_INIT, d = BUF_INIT, err = BUF_INIT,
	    cmd = BUF_INIT, h = BUF_INIT;
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n";
	FILE *f;
	int gen;

	t = regtable_parse(table_text, "mime_header_checks", &err);
	TEST_OK(t != NULL, "table parses (%s)", buf_str(&err));
	okt = regtable_parse(ok_table_text, "ok_checks", &err);
	TEST_OK(okt != NULL, "OK table parses (%s)", buf_str(&err));
	if (t == NULL || okt == NULL)
		return 1;

	/* A plain .exe attachment. */
	attach(&m, "application/octet-stream", "setup.exe", "x", 1);
	TEST_IS_INT(check(&m, t, &lim, &v), 0, "exe: done");
	TEST_IS_INT(v.banned, 1, "exe: banned");
	TEST_IS_STR(v.reason, "setup.exe", "exe: reason is the name");
	TEST_IS_STR(v.action, "REJECT", "exe: action from the table");
	TEST_IS_STR(v.text, "Extension de fichier joint refusée.",
	    "exe: the table's text");
	TEST_IS_INT(v.unchecked, 0, "exe: checked");
	banned_verdict_free(&v);

	/* Double extension, matched by its own rule. */
	/* (No name= in Content-Type: that line is matched first.) */
	message(&m, "Content-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"",
	    "x", 1);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "invoice.pdf.exe: banned");
	TEST_IS_STR(v.reason, "invoice.pdf.exe", "invoice.pdf.exe: reason");
	TEST_IS_STR(v.text, "double extension", "invoice.pdf.exe: rule");
	banned_verdict_free(&v);

	/* RFC 2231: only the synthetic filename="..." line can catch it. */
	message(&m, "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment;\r\n"
	    " filename*=UTF-8''photo%20du%20mois.scr", "x", 1);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "RFC 2231 .scr: banned");
	TEST_IS_STR(v.reason, "photo du mois.scr", "RFC 2231: decoded name");
	banned_verdict_free(&v);

	/* RFC 2047 in a quoted filename. */
	buf_reset(&d);
	b64(&d, "facture.exe", 11, 0);
	buf_reset(&h);
	buf_addf(&h, "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"=?UTF-8?B?%s?=\"",
	    buf_str(&d));
	message(&m, buf_str(&h), "x", 1);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "RFC 2047 .exe: banned");
	TEST_IS_STR(v.reason, "facture.exe", "RFC 2047: decoded name");
	banned_verdict_free(&v);

	/* Executable content under innocent names and types. */
	pe(&d);
	attach(&m, "image/jpeg", "photo.jpg", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "MZ/PE as photo.jpg: banned");
	TEST_IS_STR(v.reason, "executable content in photo.jpg",
	    "MZ/PE: reason");
	TEST_IS_STR(v.action, "BANNED", "MZ/PE: built-in action");
	banned_verdict_free(&v);
	check(&m, NULL, NULL, &v);
	TEST_IS_INT(v.banned, 1, "MZ/PE: banned with no table either");
	banned_verdict_free(&v);
	message(&m, "Content-Type: application/octet-stream", "\177ELF\2\1\1",
	    7);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "ELF without a name: banned");
	TEST_IS_STR(v.reason, "executable content in MIME part 2",
	    "ELF: reason names the part");
	banned_verdict_free(&v);
	buf_reset(&d);
	buf_adds(&d, "MZ is a letter pair; this text is long enough to have "
	    "an offset at 0x3c but no PE header where it points.\n");
	attach(&m, "text/plain", "mz.txt", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "\"MZ\" text with no PE header: clean");
	banned_verdict_free(&v);

	/* Clean attachments and no attachment at all. */
	attach(&m, "application/pdf", "report.pdf", pdf, sizeof(pdf) - 1);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "PDF: not banned");
	TEST_IS_INT(v.unchecked, 0, "PDF: checked");
	TEST_OK(v.reason == NULL && v.action == NULL, "PDF: no reason");
	banned_verdict_free(&v);
	attach(&m, "text/plain", "notes.txt", "just notes\n", 11);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "text attachment: not banned");
	banned_verdict_free(&v);
	message(&m, NULL, NULL, 0);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "no attachment: not banned");
	TEST_IS_INT(v.unchecked, 0, "no attachment: checked");
	banned_verdict_free(&v);
	buf_reset(&m);
	buf_adds(&m, "Subject: plain\r\n\r\nNo MIME at all.\r\n");
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "non-MIME message: not banned");
	banned_verdict_free(&v);

	/* OK and DUNNO mean "not banned for this subject". */
	message(&m, "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"safe-tool.exe\"",
	    "x", 1);
	check(&m, okt, &lim, &v);
	TEST_IS_INT(v.banned, 0, "OK exception: not banned");
	banned_verdict_free(&v);
	attach(&m, "application/octet-stream", "tool.exe", "x", 1);
	check(&m, okt, &lim, &v);
	TEST_IS_STR(v.action, "DISCARD", "other actions than REJECT ban");
	banned_verdict_free(&v);

	/* Archives, made by python3. */
	if (mkdtemp(dir) == NULL) {
		TEST_OK(0, "mkdtemp");
		return 1;
	}
	buf_addf(&cmd, "%s/gen.py", dir);
	if ((f = fopen(buf_str(&cmd), "w")) == NULL ||
	    fputs(gen_py, f) == EOF || fclose(f) == EOF) {
		TEST_OK(0, "write %s", buf_str(&cmd));
		return 1;
	}
	buf_reset(&cmd);
	buf_addf(&cmd, "python3 %s/gen.py %s", dir, dir);
	gen = system(buf_str(&cmd));
	TEST_IS_INT(gen, 0, "python3 made the zips");

	buf_reset(&d);
	TEST_IS_INT(slurp("nested.zip", &d), 0, "read nested.zip");
	attach(&m, "application/zip", "bundle.zip", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, ".exe in a zip in a zip: banned");
	TEST_IS_STR(v.reason, "evil.exe in bundle.zip", "nested: reason");
	TEST_IS_STR(v.action, "REJECT", "nested: action");
	banned_verdict_free(&v);
	attach(&m, "application/octet-stream", "bundle.dat", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 1, "a zip is a zip whatever its name");
	banned_verdict_free(&v);

	buf_reset(&d);
	TEST_IS_INT(slurp("clean.zip", &d), 0, "read clean.zip");
	attach(&m, "application/zip", "docs.zip", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "clean zip: not banned");
	TEST_IS_INT(v.unchecked, 0, "clean zip: checked");
	banned_verdict_free(&v);
	/* Truncated: damaged or not an archive, never banned. */
	attach(&m, "application/zip", "cut.zip", d.data, d.len / 2);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "truncated zip: not banned");
	banned_verdict_free(&v);

	buf_reset(&d);
	TEST_IS_INT(slurp("deep.zip", &d), 0, "read deep.zip");
	attach(&m, "application/zip", "deep.zip", d.data, d.len);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.banned, 0, "30-level zip: not banned");
	TEST_IS_INT(v.unchecked, 1, "30-level zip: unchecked");
	TEST_IS_STR(v.why_unchecked, "archive deep.zip: too deep",
	    "30-level zip: why");
	banned_verdict_free(&v);
	check(&m, t, NULL, &v);
	TEST_IS_INT(v.unchecked, 1, "30-level zip: unchecked by default too");
	banned_verdict_free(&v);

	/* The MIME part limit. */
	lim.mime.max_parts = 2;
	attach(&m, "application/pdf", "report.pdf", pdf, sizeof(pdf) - 1);
	check(&m, t, &lim, &v);
	TEST_IS_INT(v.unchecked, 1, "too many parts: unchecked");
	TEST_IS_STR(v.why_unchecked, "too many MIME parts", "parts: why");
	banned_verdict_free(&v);

	buf_reset(&cmd);
	buf_addf(&cmd, "rm -rf %s", dir);
	if (system(buf_str(&cmd)) != 0)
		TEST_OK(0, "rm -rf %s", dir);
	regtable_free(t);
	regtable_free(okt);
	buf_free(&m);
	buf_free(&d);
	buf_free(&h);
	buf_free(&err);
	buf_free(&cmd);
	TEST_DONE();
}
