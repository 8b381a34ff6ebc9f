/*
 * buf_test.c - unit tests of buf.c: growth, binary data, formatted
 * output of every length around the 64-byte first guess and the
 * doubling steps, buf_drop and buf_trunc at their edges, buf_steal,
 * and the fatal path of a size overflow.  Inputs: none (self-contained).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "test.h"

/* invariant - what every buffer promises: size > len, NUL at len */
static int
invariant(const struct buf *b)
{
	if (b->data == NULL)
		return b->len == 0 && b->size == 0;
	return b->size > b->len && b->data[b->len] == '\0';
}

/* test_init - an empty buffer allocates nothing and reads as "" */
static void
test_init(void)
{
	struct buf b = BUF_INIT, c;

	TEST_OK(b.data == NULL && b.len == 0 && b.size == 0, "BUF_INIT empty");
	TEST_IS_STR(buf_str(&b), "", "buf_str of an empty buffer is \"\"");
	buf_init(&c);
	TEST_OK(c.data == NULL && c.len == 0 && c.size == 0, "buf_init empty");
	buf_reset(&c);
	TEST_OK(c.data == NULL && c.len == 0, "buf_reset of an empty buffer");
	buf_free(&c);
	TEST_OK(c.data == NULL && c.size == 0, "buf_free of an empty buffer");
	buf_add(&b, "", 0);
	TEST_OK(b.data != NULL && b.len == 0 && invariant(&b),
	    "adding 0 bytes allocates a terminated buffer");
	buf_free(&b);
}

/* test_growth - byte by byte to 100000: contents, size, invariants */
static void
test_growth(void)
{
	struct buf b = BUF_INIT;
	size_t i, last = 0, grew = 0;
	int ok = 1, pow2 = 1;
	char *p;

	for (i = 0; i < 100000; i++) {
		buf_addc(&b, 'a' + (int)(i % 26));
		if (!invariant(&b))
			ok = 0;
		if (b.size != last) {
			grew++;
			/* 64, then doubling */
			if (b.size < 64 || (b.size & (b.size - 1)) != 0)
				pow2 = 0;
			last = b.size;
		}
	}
	TEST_IS_INT(b.len, 100000, "100000 buf_addc: length");
	TEST_OK(ok, "100000 buf_addc: size > len and NUL at len throughout");
	TEST_OK(pow2, "sizes are 64 doubled");
	TEST_OK(grew <= 12, "grew %zu times (geometric)", grew);
	for (ok = 1, i = 0; i < b.len; i++)
		if (b.data[i] != 'a' + (int)(i % 26))
			ok = 0;
	TEST_OK(ok, "100000 buf_addc: contents");

	/* reserve: room for n more without moving */
	buf_reset(&b);
	TEST_OK(b.len == 0 && b.data[0] == '\0' && b.size == last,
	    "buf_reset keeps the storage");
	buf_free(&b);
	buf_reserve(&b, 1000);
	TEST_OK(b.len == 0 && b.size >= 1001, "buf_reserve(1000) on empty: "
	    "size %zu", b.size);
	p = b.data;
	for (i = 0; i < 1000; i++)
		buf_addc(&b, 'x');
	TEST_OK(b.data == p && b.len == 1000 && invariant(&b),
	    "1000 bytes after buf_reserve(1000) do not move the data");
	buf_reserve(&b, 0);
	TEST_OK(b.data == p, "buf_reserve(0) with room is a no-op");
	buf_free(&b);

	/* buf_add of large blocks */
	p = xmalloc(300000);
	memset(p, 'z', 300000);
	buf_add(&b, p, 10);
	buf_add(&b, p, 300000);
	TEST_OK(b.len == 300010 && invariant(&b) &&
	    memcmp(b.data, p, 300000) == 0, "buf_add of 300000 bytes at once");
	xfree(p);
	buf_free(&b);
}

/* test_binary - NUL bytes are data: len is the truth */
static void
test_binary(void)
{
	static const char bin[] = "a\0b\0\0c\xff\x80";
	struct buf b = BUF_INIT;
	unsigned char all[256];
	int i;

	buf_add(&b, bin, sizeof(bin) - 1);
	TEST_IS_INT(b.len, 8, "binary: length counts the NULs");
	TEST_OK(memcmp(b.data, bin, 8) == 0 && b.data[8] == '\0',
	    "binary: contents and terminator");
	buf_addc(&b, 0);
	buf_addc(&b, 0x100 | 'q');	/* an int: only the low byte */
	TEST_OK(b.len == 10 && b.data[8] == '\0' && b.data[9] == 'q',
	    "buf_addc of NUL and of an int above 255");
	buf_adds(&b, "tail");
	TEST_OK(b.len == 14 && memcmp(b.data + 10, "tail", 5) == 0,
	    "buf_adds after NULs appends at len, not at strlen");
	TEST_IS_STR(buf_str(&b), "a", "buf_str stops at the first NUL");
	buf_free(&b);

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (i = 0; i < 4; i++)
		buf_add(&b, all, sizeof(all));
	TEST_OK(b.len == 1024 && memcmp(b.data + 768, all, 256) == 0 &&
	    invariant(&b), "every byte value 0..255, four times");
	buf_drop(&b, 1);
	TEST_OK(b.len == 1023 && (unsigned char)b.data[0] == 1 &&
	    (unsigned char)b.data[254] == 255 && b.data[255] == 0,
	    "buf_drop moves binary data intact");
	buf_free(&b);
}

/*
 * Formatted output: a prefix already in the buffer, then a formatted
 * string of a given length.  The lengths straddle the 64-byte first
 * guess of buf_vaddf, the first allocation and later doublings.
 */
static const size_t addf_prefix[] = { 0, 1, 10, 63, 64, 100, 4000 };
static const size_t addf_len[] = {
	0, 1, 52, 53, 54, 62, 63, 64, 65, 66, 127, 128, 129, 255, 256,
	1000, 4095, 4096, 4097, 8191, 70000,
};

/* test_addf - formatted output of every length in the table */
static void
test_addf(void)
{
	struct buf b = BUF_INIT;
	char *arg = xmalloc(70001), *want = xmalloc(80000);
	size_t i, j, pl, len;
	int ok;

	memset(arg, 'F', 70000);
	for (i = 0; i < sizeof(addf_prefix) / sizeof(addf_prefix[0]); i++) {
		for (j = 0; j < sizeof(addf_len) / sizeof(addf_len[0]); j++) {
			pl = addf_prefix[i];
			len = addf_len[j];
			buf_free(&b);
			memset(want, 'p', pl);
			buf_add(&b, want, pl);
			arg[len] = '\0';
			buf_addf(&b, "%s", arg);
			arg[len] = 'F';
			memset(want + pl, 'F', len);
			ok = b.len == pl + len && invariant(&b) &&
			    (pl + len == 0 || memcmp(b.data, want,
			    pl + len) == 0);
			TEST_OK(ok, "buf_addf of %zu bytes after %zu", len,
			    pl);
		}
	}
	buf_free(&b);

	/* mixed conversions, long output, twice: va_list reuse */
	buf_addf(&b, "%d-%s-%c-%05.1f-%llx-%.*s", -42, "str", 'c', 2.5,
	    0xdeadbeefULL, 3, "abcdef");
	TEST_IS_STR(buf_str(&b), "-42-str-c-002.5-deadbeef-abc",
	    "buf_addf with mixed conversions");
	buf_reset(&b);
	buf_addf(&b, "%s|%d|%s|%0200d|%s", "first", 7, "second", 9, "last");
	TEST_OK(b.len == 5 + 1 + 1 + 1 + 6 + 1 + 200 + 1 + 4 &&
	    strncmp(b.data, "first|7|second|", 15) == 0 &&
	    strcmp(b.data + b.len - 6, "9|last") == 0,
	    "buf_addf > 64 bytes: every argument used once, in order");
	buf_reset(&b);
	buf_addf(&b, "%5000d", 1);
	TEST_OK(b.len == 5000 && b.data[0] == ' ' && b.data[4999] == '1' &&
	    invariant(&b), "buf_addf of a 5000-byte field width");
	buf_reset(&b);
	buf_addf(&b, "%c", 0);
	TEST_OK(b.len == 1 && b.data[0] == '\0', "buf_addf \"%%c\" of NUL "
	    "counts the NUL");
	buf_free(&b);
	xfree(arg);
	xfree(want);
}

/*
 * buf_drop and buf_trunc on "0123456789": (n, what drop leaves, what
 * trunc leaves).  SIZE_MAX stands for "far beyond the end".
 */
static const struct {
	size_t		 n;
	const char	*dropped, *trunced;
} edge[] = {
	{ 0, "0123456789", "" },
	{ 1, "123456789", "0" },
	{ 5, "56789", "01234" },
	{ 9, "9", "012345678" },
	{ 10, "", "0123456789" },
	{ 11, "", "0123456789" },
	{ SIZE_MAX, "", "0123456789" },
};

/* test_drop_trunc - the table above, then empty and NULL buffers */
static void
test_drop_trunc(void)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		buf_reset(&b);
		buf_adds(&b, "0123456789");
		buf_drop(&b, edge[i].n);
		TEST_OK(b.len == strlen(edge[i].dropped) && invariant(&b) &&
		    strcmp(b.data, edge[i].dropped) == 0,
		    "buf_drop(%zu) leaves \"%s\"", edge[i].n,
		    edge[i].dropped);
		buf_reset(&b);
		buf_adds(&b, "0123456789");
		buf_trunc(&b, edge[i].n);
		TEST_OK(b.len == strlen(edge[i].trunced) && invariant(&b) &&
		    strcmp(b.data, edge[i].trunced) == 0,
		    "buf_trunc(%zu) leaves \"%s\"", edge[i].n,
		    edge[i].trunced);
	}
	buf_free(&b);

	/* never allocated: both are no-ops, nothing is dereferenced */
	buf_drop(&b, 0);
	buf_drop(&b, 5);
	buf_trunc(&b, 0);
	buf_trunc(&b, 5);
	TEST_OK(b.data == NULL && b.len == 0, "drop/trunc of a NULL buffer");

	/* drop then add: the space is reused from the start */
	buf_adds(&b, "abcdef");
	buf_drop(&b, 4);
	buf_adds(&b, "gh");
	TEST_IS_STR(buf_str(&b), "efgh", "drop then add");
	buf_trunc(&b, 1);
	buf_adds(&b, "xyz");
	TEST_IS_STR(buf_str(&b), "exyz", "trunc then add");
	buf_free(&b);
}

/* test_steal - the caller owns the string; the buffer starts over */
static void
test_steal(void)
{
	struct buf b = BUF_INIT;
	char *s, *p;

	s = buf_steal(&b);
	TEST_OK(s != NULL && *s == '\0', "buf_steal of an empty buffer: "
	    "an allocated \"\"");
	xfree(s);

	buf_adds(&b, "hello");
	p = b.data;
	s = buf_steal(&b);
	TEST_OK(s == p && strcmp(s, "hello") == 0, "buf_steal hands over "
	    "the storage");
	TEST_OK(b.data == NULL && b.len == 0 && b.size == 0,
	    "the buffer is empty after buf_steal");
	buf_adds(&b, "again");
	TEST_IS_STR(buf_str(&b), "again", "the buffer is usable after "
	    "buf_steal");
	xfree(s);

	buf_reset(&b);
	s = buf_steal(&b);
	TEST_OK(s != NULL && *s == '\0', "buf_steal after reset: \"\"");
	xfree(s);
	buf_free(&b);
}

/* test_overflow - a size that cannot be represented is a panic */
static void
test_overflow(void)
{
	struct buf b = BUF_INIT;

	TEST_FATAL(buf_reserve(&b, SIZE_MAX), "buf_reserve(SIZE_MAX) panics");
	TEST_FATAL(buf_reserve(&b, SIZE_MAX / 2 + 1), "buf_reserve(SIZE_MAX/2 "
	    "+ 1) panics");
	buf_adds(&b, "x");
	TEST_FATAL(buf_add(&b, "", SIZE_MAX / 2), "buf_add of SIZE_MAX/2 "
	    "bytes after 1 panics");
	TEST_OK(b.len == 1 && strcmp(b.data, "x") == 0,
	    "the buffer is intact after the refused growth");
	buf_free(&b);
}

/* main - run every area */
int
main(void)
{
	test_init();
	test_growth();
	test_binary();
	test_addf();
	test_drop_trunc();
	test_steal();
	test_overflow();
	TEST_DONE();
}
