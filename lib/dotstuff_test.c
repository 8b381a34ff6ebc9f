/*
 * dotstuff_test.c - unit tests of dotstuff.c: a table of cases, every
 * way of cutting them into two and three chunks, and random content
 * against a byte-at-a-time reference.  Inputs: none (self-contained).
 */
#include <stdlib.h>
#include <string.h>

#include "dotstuff.h"
#include "test.h"

static const struct {
	const char	*in;
	const char	*out;
} cases[] = {
	{ "", "" },
	{ ".", ".." },
	{ "..", "..." },
	{ ".\r\n", "..\r\n" },
	{ "a.b\r\n", "a.b\r\n" },
	{ "a\r\n.b\r\n", "a\r\n..b\r\n" },
	{ "a\r\n..\r\n", "a\r\n...\r\n" },
	{ ".a\r\n.\r\n.\r\n", "..a\r\n..\r\n..\r\n" },
	{ "a\r.b\r\n", "a\r.b\r\n" },		/* bare CR: no line start */
	{ "a\n.b\n", "a\n..b\n" },		/* bare LF: a line start */
	{ "\r\n.\r\n", "\r\n..\r\n" },		/* would end DATA unstuffed */
	{ "x\r\n\r\n.\r\nMAIL FROM:<a>\r\n", "x\r\n\r\n..\r\nMAIL FROM:<a>\r\n" },
	{ "no newline at end.", "no newline at end." },
	{ "\n\n\n", "\n\n\n" },
	{ ".\n.\n.\n.", "..\n..\n..\n.." },
};

/* stuff_chunks - run in through dotstuff cut at a and b; result in out */
static size_t
stuff_chunks(const char *in, size_t len, size_t a, size_t b, char *out)
{
	struct dotstuff ds;
	size_t n = 0;

	dotstuff_init(&ds);
	n += dotstuff(&ds, in, a, out + n);
	n += dotstuff(&ds, in + a, b - a, out + n);
	n += dotstuff(&ds, in + b, len - b, out + n);
	return n;
}

/* reference - the obvious byte-at-a-time version */
static size_t
reference(const char *in, size_t len, char *out)
{
	size_t i, n = 0;
	int bol = 1;

	for (i = 0; i < len; i++) {
		if (bol && in[i] == '.')
			out[n++] = '.';
		out[n++] = in[i];
		bol = in[i] == '\n';
	}
	return n;
}

/* test_table - every case, whole and cut at every pair of places */
static void
test_table(void)
{
	char out[256];
	size_t i, len, olen, a, b, n;
	int bad;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		olen = strlen(cases[i].out);
		n = stuff_chunks(cases[i].in, len, 0, len, out);
		TEST_OK(n == olen && memcmp(out, cases[i].out, n) == 0,
		    "case %zu whole", i);
		bad = 0;
		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b++) {
				n = stuff_chunks(cases[i].in, len, a, b, out);
				if (n != olen || memcmp(out, cases[i].out, n))
					bad++;
			}
		TEST_IS_INT(bad, 0, "case %zu cut at every place", i);
	}
}

/* test_random - random content of ". \r\n a" against the reference */
static void
test_random(void)
{
	static const char alphabet[] = ".\r\na";
	char in[300], out[DOTSTUFF_MAX(300)], ref[2 * 300];
	size_t len, n, r, a, b;
	int iter, bad = 0, over = 0;
	struct dotstuff ds;

	srand(12345);
	for (iter = 0; iter < 20000; iter++) {
		len = (size_t)rand() % sizeof(in);
		for (n = 0; n < len; n++)
			in[n] = alphabet[rand() % 4];
		r = reference(in, len, ref);
		a = len ? (size_t)rand() % (len + 1) : 0;
		b = a + (len - a ? (size_t)rand() % (len - a + 1) : 0);
		n = stuff_chunks(in, len, a, b, out);
		if (n != r || memcmp(out, ref, n) != 0)
			bad++;
		if (n > DOTSTUFF_MAX(len))
			over++;
	}
	TEST_IS_INT(bad, 0, "random content matches the reference");
	TEST_IS_INT(over, 0, "output within DOTSTUFF_MAX");

	/* the worst case: every line a lone dot */
	for (n = 0; n < sizeof(in); n++)
		in[n] = n % 2 ? '\n' : '.';
	dotstuff_init(&ds);
	n = dotstuff(&ds, in, sizeof(in), out);
	TEST_IS_INT(n, sizeof(in) + sizeof(in) / 2, "worst case size");
	TEST_OK(n <= DOTSTUFF_MAX(sizeof(in)), "worst case within bound");
	dotstuff_init(&ds);
	n = dotstuff(&ds, ".", 1, out);
	TEST_OK(n <= DOTSTUFF_MAX(1), "one dot within bound");
}

/* test_state - bol survives calls; a fresh state starts at a line */
static void
test_state(void)
{
	struct dotstuff ds;
	char out[16];
	size_t n;

	dotstuff_init(&ds);
	TEST_IS_INT(ds.bol, 1, "starts at a line start");
	n = dotstuff(&ds, "ab", 2, out);
	TEST_IS_INT(ds.bol, 0, "mid-line after \"ab\"");
	n = dotstuff(&ds, ".", 1, out);
	TEST_OK(n == 1 && out[0] == '.', "mid-line dot left alone");
	n = dotstuff(&ds, "\r\n", 2, out);
	TEST_IS_INT(ds.bol, 1, "line start after CRLF");
	n = dotstuff(&ds, ".x", 2, out);
	TEST_OK(n == 3 && memcmp(out, "..x", 3) == 0, "dot after CRLF chunk");
	n = dotstuff(&ds, "", 0, out);
	TEST_IS_INT(n, 0, "empty chunk writes nothing");
	TEST_IS_INT(ds.bol, 0, "empty chunk keeps the state");
}

int
main(void)
{
	test_table();
	test_random();
	test_state();
	TEST_DONE();
}
