/*
 * html_test.c - unit tests of html.c: rendering (tags, entities, block
 * elements, whitespace, script/style/title, comments, declarations,
 * marked sections, malformed markup), invisible text, URIs from every
 * attribute SA reads and base href resolution, and hostile input with
 * time bounds (10 MB unclosed tag, unclosed comments, deep nesting,
 * huge attributes, many URIs).  Every expected value was produced by
 * SpamAssassin 4.0.1's Mail::SpamAssassin::HTML on the same input.
 * Inputs: none.  Time bounds are multiplied by MAILSIFT_TEST_SLOW when
 * set, and by 5 under AddressSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "html.h"
#include "mem.h"
#include "test.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* render - render a NUL-terminated string from an exact-size copy */
static void
render(struct html *h, const char *s)
{
	size_t n = strlen(s);
	char *copy = xmemdup(s, n ? n : 1);

	html_render(h, copy, n);
	xfree(copy);
}

/* cmp - qsort on strings */
static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* uris - the URIs of h, sorted, joined by '|', in b */
static const char *
uris(const struct html *h, struct buf *b)
{
	char **v = xreallocarray(NULL, h->nuri + 1, sizeof(*v));
	int i;

	for (i = 0; i < h->nuri; i++)
		v[i] = h->uri[i].uri;
	qsort(v, h->nuri, sizeof(*v), cmp);
	buf_reset(b);
	for (i = 0; i < h->nuri; i++) {
		if (i)
			buf_addc(b, '|');
		buf_adds(b, v[i]);
	}
	xfree(v);
	return buf_str(b);
}

static const struct {
	const char	*in, *text;
} text_cases[] = {
	{ "a<b>b</b>c<p>para</p>x<br>y<div>d</div>e",
	    "abc\n\npara\n\nx\ny\nd\ne" },
	{ "x <foo bar", "x " },
	{ "x <!-- comment", "x " },
	{ "a <!-- c --> b <?pi x?> c <!DOCTYPE html> d", "a  b  c  d" },
	{ "<script>if (a<b) x=\"</p>\";</script>after<style>p{}</style>s",
	    "afters" },
	{ "<textarea><b>x</b></textarea><title>T<b>i</b></title>"
	    "<xmp><b></xmp>", "<b>x</b>\n\nT<b>i</b>\n\n\n\n<b>\n\n" },
	{ "&amp;&lt;&gt;&quot;&apos;&eacute;&#233;&#xe9;&amp &ampx &foo; "
	    "&#65 &#x41x &euro; &nbsp;|&#160;|",
	    "&<>\"'\xc3\xa9\xc3\xa9\xc3\xa9& &x &foo; A Ax \xe2\x82\xac |"
	    "\xc2\xa0|" },
	{ "&eacutex &ampx; &AMP; &Eacute; &#0; &#1114112; &#xD800; &#128512;",
	    "\xc3\xa9x &x; &AMP; \xc3\x89 &#0; &#1114112; \xef\xbf\xbd "
	    "\xf0\x9f\x98\x80" },
	{ "&euro &hellip; &hellip", "&euro \xe2\x80\xa6 &hellip" },
	{ "<![CDATA[cdata <b>]]> after", "cdata <b> after" },
	{ "a<b c=\"x>y\">d", "ad" },
	{ "a < b and c<3 d", "a < b and c<3 d" },
	{ "<li>one<li>two<td>c</td><h1>H</h1>z<hr>q", " one two c  H z\n\nq" },
	{ "a<p/>b<br/>c<br />d<div/>e", "a\n\nb\nc\nd\ne" },
	{ "<1a>x</1a> <a.b>y <_x>z</_x> <-x>w", "<1a>x y z <-x>w" },
	{ "<script>a</scriptx>b</script>c", "c" },
	{ "<style>x<!-- </style> y", " y" },
	{ "a<!-->b<!--->c<!-- x -- y -->d<!---->e", "acde" },
	{ "a<!-- x > b", "a b" },
	{ "a<!-- x > b --> c", "a c" },
	{ "<a href=\"x.com/1'>q</a>", "" },
	{ "</p >x</ p>y</>z<>w< p>v", "\n\nxyz<>w< p>v" },
	{ "a<noscript><b>n</b></noscript>b<noframes>f</noframes>c"
	    "<plaintext><b>x</b></plaintext>y",
	    "anbfc\n\n<b>x</b></plaintext>y" },
	{ "<iframe>in<b>x</b></iframe>after", "in<b>x</b>after" },
	{ "<textarea>a&amp;b</textarea><title>t&amp;u</title>",
	    "a&b\n\nt&u\n\n" },
	{ "x<script>never closed <b>y", "x" },
	{ "a<style>b", "a" },
	{ "a<b c=d e=\"f\" g='h' i=j>k", "ak" },
	{ "a\r\n\tb  c\n<p>\n  d  \n</p> e", "a b c\n\nd\n\ne" },
	{ "a<![if !supportLists]>b<![endif]>c<!--[if gte mso 9]><xml>x"
	    "</xml><![endif]-->d", "abcd" },
	{ "\xe2\x80\x9cquoted\xe2\x80\x9d &#8220;ent&#8221;",
	    "\"quoted\" \xe2\x80\x9c" "ent\xe2\x80\x9d" },
	{ "<blockquote>q</blockquote><pre>p  re</pre><dt>t<dd>d<h2>h</h2>",
	    "\n\nq\n\n\n\np re\n\n t d h " },
	{ "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
	    "after", " a  b  c after" },
	{ "<p>  lots   of   space  </p>  <p> second </p>",
	    "\n\nlots of space\n\n\n\nsecond\n\n" },
	{ "<img src=x alt=\"ALT TEXT\">after", "after" },
	{ "a<br<br\n</td>b", "ab" },
	{ "a<p<p>b<p x<y>c", "ab\n\nc" },
	{ "", "" },
	{ "plain", "plain" },
};

/* test_text - rendering against SA's output */
static void
test_text(void)
{
	struct html h;
	size_t i;

	for (i = 0; i < NELEM(text_cases); i++) {
		render(&h, text_cases[i].in);
		TEST_IS_STR(buf_str(&h.text), text_cases[i].text,
		    "text %zu", i);
		html_free(&h);
	}
	render(&h, "<html><head><title>My  Title</title></head>"
	    "<body>b</body></html>");
	TEST_IS_STR(buf_str(&h.title), "My  Title", "title kept");
	TEST_IS_STR(buf_str(&h.text), "\n\nMy Title\n\nb", "title rendered");
	html_free(&h);
	render(&h, "<script>var a = 1;</script>x<script>b()</script>");
	TEST_IS_STR(buf_str(&h.script), "var a = 1;\nb()", "script kept");
	TEST_IS_STR(buf_str(&h.text), "x", "script not rendered");
	html_free(&h);
	render(&h, "x <foo bar=\"");
	TEST_OK(h.flags & HTML_UNTERMINATED, "unterminated flagged");
	html_free(&h);
	render(&h, "<p>a</p></p></p>");
	TEST_IS_INT(h.tags, 4, "tags counted");
	TEST_IS_INT(h.elements, 4, "elements counted");
	html_free(&h);
}

static const struct {
	const char	*in, *text, *visible, *invisible;
} inv_cases[] = {
	{ "<font color=white>inv</font>vis<span style=\"display:none\">hid"
	    "</span>x", "invvishidx", "visx", "invhid" },
	{ "<div style=\"color:#fff;background-color:#ffffff\">w</div>ok",
	    "\nw\nok", "\n\nok", "w" },
	{ "<p style=\"color: rgb(255,255,255)\">r</p>"
	    "<span style=\"visibility:hidden\">vh</span>ok",
	    "\n\nr\n\nvhok", "\n\n\n\nok", "rvh" },
	{ "<font size=1>tiny</font> <font size=\"+2\">big</font>",
	    "tiny big", " big", "tiny" },
	{ "<font color=\"#ff11gg\">bad</font> good", "bad good", " good",
	    "bad" },
	{ "<font color=FFFFFF>nohash</font>", "nohash", "", "nohash" },
	{ "<font color=lightblue>css name</font>", "css name", "css name",
	    "" },
	{ "<table style=\"background:#00125E\"><tr><td>"
	    "<span style=\"color:white\">on navy</span></td></tr></table>",
	    " on navy ", " on navy ", "" },
	{ "<body bgcolor=black><font color=black>bgcolor attr is ignored"
	    "</font>", "bgcolor attr is ignored", "bgcolor attr is ignored",
	    "" },
};

/* test_invisible - invisible text, as SA's html_font_invisible */
static void
test_invisible(void)
{
	struct html h;
	size_t i;

	for (i = 0; i < NELEM(inv_cases); i++) {
		render(&h, inv_cases[i].in);
		TEST_IS_STR(buf_str(&h.text), inv_cases[i].text,
		    "invisible %zu: text", i);
		TEST_IS_STR(buf_str(&h.visible), inv_cases[i].visible,
		    "invisible %zu: visible", i);
		TEST_IS_STR(buf_str(&h.invisible), inv_cases[i].invisible,
		    "invisible %zu: invisible", i);
		html_free(&h);
	}
}

static const struct {
	const char	*in, *uris;
} uri_cases[] = {
	{ "<a href=\"http://x.com/a?b=1&amp;c=2\">l</a><img src=/i.gif "
	    "alt=\"ALT\"><base href=\"http://b.com/dir/f.html\">"
	    "<a href=\"rel/p\">r</a><a href=\" mailto:x@y.com \">m</a>",
	    "/i.gif|http://b.com/dir/f.html|http://b.com/dir/rel/p|"
	    "http://x.com/a?b=1&c=2|mailto:x@y.com|rel/p" },
	{ "<A HREF=http://x.com/a>x</A><a href=y.com/b/>y</a>"
	    "<a href=\"/p\" href=\"/q\">z</a><a foo href>e</a>",
	    "/p|href|http://x.com/a|y.com/b/" },
	{ "<a href = \"sp.com\" >1</a><a href=&quot;q.com&quot;>2</a>"
	    "<a href=\"h&#116;tp://e.com/&#x41;\">3</a>",
	    "\"q.com\"|http://e.com/A|sp.com" },
	{ "<embed src=http://e.com/><form action=http://fo.com/>"
	    "<link href=http://l.com/><area href=http://ar.com/>"
	    "<body background=http://bg.com/><td background=http://td.com/>"
	    "<meta http-equiv=refresh content=\"0; URL=http://meta.com/x\">",
	    "http://ar.com/|http://bg.com/|http://e.com/|http://fo.com/|"
	    "http://l.com/|http://meta.com/x|http://td.com/" },
	{ "<frame src=http://f.com/><iframe src=http://if.com/>x"
	    "<img src=http://not.seen/>",
	    "http://f.com/|http://if.com/" },
	{ "<a href=\"http://x.com/a/./b/../c?q#f\">x</a>"
	    "<a href=\"//www.y.com/z\">y</a><a href=\"?q=1\">q</a>",
	    "//www.y.com/z|?q=1|http://www.y.com/z|"
	    "http://x.com/a/./b/../c?q#f|http://x.com/a/c?q#f" },
	{ "<base href=\"http://b.com/x/\"><a href=\"../up\">u</a>"
	    "<img src=\"//cdn.com/i.png\"><a href=\"#frag\">f</a>",
	    "#frag|../up|http://b.com/up|http://b.com/x/|"
	    "http://b.com/x/#frag|http://cdn.com/i.png" },
	{ "<base href=\"http://b.com/dir\"><a href=\"rel\">u</a>",
	    "http://b.com/dir|http://b.com/dir/rel|rel" },
	{ "<img src=\"cid:part1@x\"><a href=\"mailto:A@B.COM?subject=hi\">m"
	    "</a><a href=\"tel:123\">t</a>",
	    "cid:part1@x|mailto:A@B.COM?subject=hi|tel:123" },
	{ "<a xlink/href=\"http://xl.com/\">x</a>"
	    "<a data-saferedirecturl=\"http://safe.com/r\">s</a>",
	    "http://safe.com/r|http://xl.com/" },
	{ "<script src=\"http://s.com/j.js\"></script><bgsound src=b.wav>",
	    "b.wav|http://s.com/j.js" },
	{ "<a href=\"http://x.com/a?E=#E\n#\">x</a>",
	    "http://x.com/a?E=#E|http://x.com/a?E=#E\n#" },
	{ "<a href=\"\xef\xbb\xbfhttp://bom.com/\">b</a>",
	    "http://bom.com/" },
};

/* test_uris - URIs from attributes, against SA's list */
static void
test_uris(void)
{
	struct buf b = BUF_INIT;
	struct html h;
	size_t i;

	for (i = 0; i < NELEM(uri_cases); i++) {
		render(&h, uri_cases[i].in);
		TEST_IS_STR(uris(&h, &b), uri_cases[i].uris, "uris %zu", i);
		html_free(&h);
	}
	render(&h, "<a href=http://a.com/>1</a><a href=http://a.com/>2</a>");
	TEST_IS_INT(h.nuri, 1, "duplicate URIs kept once");
	TEST_IS_STR(h.uri[0].tag, "a", "tag of the URI");
	html_free(&h);
	buf_free(&b);
}

/* render_nested - render n bytes of nested style tags, n of their end
 * tags, into h: the seconds it took */
static double
render_nested(struct html *h, struct buf *in, size_t n)
{
	double t0;

	buf_reset(in);
	while (in->len < n)
		buf_adds(in, "<font color=red><div><td>");
	buf_adds(in, "deep");
	while (in->len < 2 * n)
		buf_adds(in, "</font></div></td>");
	t0 = test_now();
	html_render(h, in->data, in->len);
	return test_now() - t0;
}

/* test_hostile - linear time and bounded output on hostile input */
static void
test_hostile(void)
{
	size_t big = 10 * 1024 * 1024, i;
	struct buf in = BUF_INIT;
	struct html h;
	double t0, t_small, t_big;
	double lim = 2.0 * test_slow();	/* quadratic would be minutes */

	/* a 10 MB tag that never closes */
	buf_adds(&in, "text<a href=x ");
	for (i = in.len; i < big; i++)
		buf_addc(&in, 'x');
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB unclosed tag: %.3f s", test_now() - t0);
	TEST_IS_STR(buf_str(&h.text), "text", "unclosed tag dropped");
	html_free(&h);

	/* 10 MB of "<!-- >": comments without "-->" end at '>' */
	buf_reset(&in);
	while (in.len < big)
		buf_adds(&in, "<!-- >");
	buf_adds(&in, "end");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB of open comments: %.3f s",
	    test_now() - t0);
	TEST_IS_STR(buf_str(&h.text), "end", "open comments dropped");
	html_free(&h);

	/* 10 MB of '<' that are not markup */
	buf_reset(&in);
	while (in.len < big)
		buf_adds(&in, "< ");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB of '< ': %.3f s", test_now() - t0);
	TEST_IS_INT(h.text.len, in.len, "all of it is text");
	html_free(&h);

	/*
	 * deep nesting of style-changing tags: some 2.5 million tags, ~1 s
	 * here, so linear time is judged against a tenth of it (a
	 * quadratic stack would take 100 times as long, not 10)
	 */
	t_small = render_nested(&h, &in, big / 10);
	html_free(&h);
	t_big = render_nested(&h, &in, big);
	TEST_OK(t_big < 4 * lim && t_big < 25 * t_small + 0.05 * test_slow(),
	    "20 MB of nesting: %.3f s (2 MB: %.3f s)", t_big, t_small);
	TEST_OK(h.flags & HTML_STYLE_TOO_DEEP, "style stack bounded");
	TEST_OK(strstr(buf_str(&h.text), "deep") != NULL, "deep text kept");
	html_free(&h);

	/* a 10 MB attribute value */
	buf_reset(&in);
	buf_adds(&in, "<a href=\"http://x.com/");
	while (in.len < big)
		buf_addc(&in, 'a');
	buf_adds(&in, "\">x</a>");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB attribute: %.3f s", test_now() - t0);
	TEST_OK(h.flags & HTML_URI_TRUNCATED, "URI truncated");
	TEST_OK(h.nuri == 1 && strlen(h.uri[0].uri) == HTML_MAX_URI_LEN,
	    "URI cut at %d", HTML_MAX_URI_LEN);
	TEST_IS_STR(buf_str(&h.text), "x", "text after the attribute");
	html_free(&h);

	/* many distinct URIs */
	buf_reset(&in);
	for (i = 0; in.len < big; i++)
		buf_addf(&in, "<a href=http://x%zu.com/>", i);
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "%zu links: %.3f s", i, test_now() - t0);
	TEST_IS_INT(h.nuri, HTML_MAX_URIS, "URI set bounded");
	TEST_OK(h.flags & HTML_URI_TOO_MANY, "too many URIs flagged");
	html_free(&h);

	/* entities everywhere, and many attributes */
	buf_reset(&in);
	while (in.len < big)
		buf_adds(&in, "&amp;&#x41;&eacute");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB of entities: %.3f s", test_now() - t0);
	TEST_IS_INT(h.text.len, in.len / 18 * 4, "entities decoded");
	html_free(&h);
	buf_reset(&in);
	buf_adds(&in, "<a");
	while (in.len < big)
		buf_adds(&in, " b=c");
	buf_adds(&in, " href=late>t");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "2.6M attributes: %.3f s", test_now() - t0);
	TEST_IS_STR(buf_str(&h.text), "t", "text after the attributes");
	TEST_OK(h.nuri == 1 && strcmp(h.uri[0].uri, "late") == 0,
	    "href after 2.6M attributes still seen");
	html_free(&h);

	/* an unclosed script and textarea of 10 MB */
	buf_reset(&in);
	buf_adds(&in, "<script>");
	while (in.len < big)
		buf_adds(&in, "<b>");
	t0 = test_now();
	html_render(&h, in.data, in.len);
	TEST_OK(test_now() - t0 < lim, "10 MB unclosed script: %.3f s",
	    test_now() - t0);
	TEST_IS_INT(h.text.len, 0, "unclosed script not rendered");
	html_free(&h);
	buf_free(&in);
}

/* test_fuzz - random markup soup: no crash, text within bounds */
static void
test_fuzz(void)
{
	static const char *const bits[] = {
		"<", ">", "</", "<!--", "-->", "<a href=", "\"", "'", "&",
		"&amp", "&#", "x", " ", "\n", "<p>", "<script>", "</script>",
		"<style>", "<title>", "<![CDATA[", "]]>", "<base href=",
		"http://a.com/", "/../", "<font color=", "#fff", "=", "<br/>",
		"\xe2\x80\x9c", "\xc2\xa0", "<td>", "<tr>", "</td>",
	};
	struct buf in = BUF_INIT;
	struct html h;
	unsigned seed = 4;
	int i, j, ok = 1;

	for (i = 0; i < 3000; i++) {
		buf_reset(&in);
		for (j = rand_r(&seed) % 60; j > 0; j--)
			buf_adds(&in, bits[rand_r(&seed) % NELEM(bits)]);
		html_render(&h, in.data ? in.data : "", in.len);
		if (h.text.len > in.len * 2 + 16 ||
		    h.visible.len > h.text.len)
			ok = 0;
		html_free(&h);
	}
	TEST_OK(ok, "3000 random documents");
	buf_free(&in);
}

/* inside_count - the open count of a tag, -1 when never seen */
static int
inside_count(const struct html *h, const char *tag)
{
	int i;

	for (i = 0; i < h->ninside; i++)
		if (strcmp(h->inside[i].name, tag) == 0)
			return h->inside[i].count;
	return -1;
}

/* test_stats - HTML.pm's results for the HTMLEval tests */
static void
test_stats(void)
{
	struct html h;

	render(&h, "<html><body><center>a<center>b</center>"
	    "<img src=a width=10 height=20><img src=b width=50% height=0>"
	    "</body></body></foo><o:p>x</o:p><blink>y</blink></html>");
	TEST_IS_INT(inside_count(&h, "center"), 1, "center left open");
	TEST_IS_INT(inside_count(&h, "body"), 0, "extra </body> stops at 0");
	TEST_IS_INT(inside_count(&h, "script"), -1, "no script");
	TEST_IS_INT(h.all_closed_extra, 2, "</body>, </foo> close nothing");
	TEST_OK(h.image_area == 10 * 20 + 400 * 200,
	    "image area: 10x20, 50%% wide (400) x 200: %.0f", h.image_area);
	TEST_IS_INT(h.tags - h.elements, 3, "</foo>, <blink>, </blink> are "
	    "not elements (o:p is)");
	html_free(&h);
	render(&h, "<font size=7 face=\"@bad\">big</font><font size=1>s"
	    "</font><form action=\"mailto:x@y\"></form><embed src=x>");
	TEST_IS_INT(h.max_size, 7, "max font size");
	TEST_IS_INT(h.min_size, 1, "min font size");
	TEST_OK(h.tests & HTML_T_FONT_FACE_BAD, "bad font face");
	TEST_OK(h.tests & HTML_T_FORM_ACTION_MAILTO, "form to mailto");
	TEST_OK(h.tests & HTML_T_EMBEDS, "embed");
	html_free(&h);
	render(&h, "fr<b>ee</b> vi<i>ag</i>ra <!-- note --><!3279x>"
	    "<a href=\"http://x.example/\">click <img src=i></a>"
	    "<title>one</title><title>two\nlines</title>");
	TEST_IS_INT(h.obfuscation, 3, "three word cuts");
	TEST_IS_INT(h.backhair, 1, "one cut shape (2_2), chunk by chunk");
	TEST_OK(h.comment.len == 23 && memcmp(h.comment.data,
	    "\0<!-- note -->\0<!3279x>", 23) == 0, "comments one by one");
	TEST_OK(h.anchor.len > 0 && memmem(h.anchor.data, h.anchor.len,
	    "http://x.example/\001click <img>\n", 30) != NULL,
	    "anchor text keyed by href, with <img>");
	TEST_OK(h.titles.len == 14 && memcmp(h.titles.data,
	    "\0one\0two\nlines", 14) == 0, "titles one by one");
	TEST_IS_INT(h.length_chars, h.length, "ASCII: characters = bytes");
	html_free(&h);
}

int
main(void)
{
	test_text();
	test_stats();
	test_invisible();
	test_uris();
	test_hostile();
	test_fuzz();
	TEST_DONE();
}
