/*
 * evals_test.c - unit tests for evals.c and textcat.c: each family of
 * SpamAssassin eval tests on small crafted messages (headers, dates,
 * recipients, freemail, lists, MIME, HTML, body, language), the
 * lookup table and the offline hooks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "evals.h"
#include "mem.h"
#include "msgtext.h"
#include "relays.h"
#include "saconf.h"
#include "test.h"
#include "textcat.h"

static struct saconf *conf;

/* msg_new - an eval_msg over a message text (LF line ends) */
static struct eval_msg *
msg_new(const char *text)
{
	struct eval_msg *em = xcalloc(1, sizeof(*em));
	const char *p;

	em->msg = text;
	em->len = strlen(text);
	p = strstr(text, "\n\n");
	em->body_off = p ? (size_t)(p - text) + 2 : em->len;
	em->mt = xcalloc(1, sizeof(*em->mt));
	msgtext_parse(em->mt, text, em->len);
	em->relays = xcalloc(1, sizeof(*em->relays));
	relays_parse(em->relays, em->mt, NULL);
	em->conf = conf;
	em->set = conf ? saconf_settings(conf) : NULL;
	return em;
}

/* msg_free - release an eval_msg of msg_new */
static void
msg_free(struct eval_msg *em)
{
	eval_msg_release(em);
	msgtext_free(em->mt);
	free(em->mt);
	relays_free(em->relays);
	free(em->relays);
	free(em);
}

/* run - eval name(args...) on a message text: its result */
static int
run(const char *text, const char *name, int argc, const char *a0,
    const char *a1, const char *a2)
{
	char *argv[3] = { (char *)a0, (char *)a1, (char *)a2 };
	struct eval_msg *em;
	eval_fn fn = eval_lookup(name);
	int r;

	if (fn == NULL)
		return -1;
	em = msg_new(text);
	r = fn(em, argc, argv);
	msg_free(em);
	return r;
}

#define RUN0(t, n)		run((t), (n), 0, NULL, NULL, NULL)
#define RUN1(t, n, a)		run((t), (n), 1, (a), NULL, NULL)
#define RUN2(t, n, a, b)	run((t), (n), 2, (a), (b), NULL)
#define RUN3(t, n, a, b, c)	run((t), (n), 3, (a), (b), (c))

static const char plain[] =
    "Return-Path: <bob@mail.example.org>\n"
    "Received: from a.example.org (a.example.org [192.0.2.1])\n"
    "\tby mx.example.net; Tue, 3 Sep 2002 10:00:00 +0000\n"
    "From: Bob <bob@example.org>\n"
    "To: alice@example.net\n"
    "Subject: lunch\n"
    "Date: Tue, 3 Sep 2002 10:00:00 +0000\n"
    "Message-ID: <1@example.org>\n"
    "\n"
    "See you at noon.\n";

/* t_lookup - the table, relays first, offline hooks */
static void
t_lookup(void)
{
	TEST_OK(eval_lookup("check_for_shifted_date") != NULL,
	    "check_for_shifted_date is implemented");
	TEST_OK(eval_lookup("html_range") != NULL, "html_range implemented");
	TEST_OK(eval_lookup("no_such_eval") == NULL, "unknown eval: NULL");
	TEST_OK(eval_lookup(NULL) == NULL, "NULL name: NULL");
	TEST_IS_STR(eval_offline("check_rbl_sub"), "network test", "rbl");
	TEST_IS_STR(eval_offline("check_uridnsbl"), "network test", "uribl");
	TEST_IS_STR(eval_offline("askdns"), "network test", "askdns");
	TEST_IS_STR(eval_offline("check_razor2_range"), "network test",
	    "razor");
	TEST_IS_STR(eval_offline("check_dkim_valid"), "network test", "dkim");
	TEST_IS_STR(eval_offline("check_for_spf_pass"), "network test",
	    "spf");
	TEST_IS_STR(eval_offline("check_bayes"), "Bayes", "bayes");
	TEST_OK(eval_offline("html_test") == NULL, "html_test runs");
}

/* t_dates - parse and shifted dates */
static void
t_dates(void)
{
	static const char future[] =
	    "Received: from a by b; Tue, 3 Sep 2002 10:00:00 +0000\n"
	    "From: a@b.example\n"
	    "Date: Tue, 3 Sep 2002 18:00:00 +0000\n"
	    "\n"
	    "x\n";
	static const char tz[] =
	    "Received: from a by b; Tue, 3 Sep 2002 10:00:00 +0000\n"
	    "From: a@b.example\n"
	    "Date: Tue, 3 Sep 2002 05:00:00 EST\n"
	    "\n"
	    "x\n";
	static const char past[] =
	    "Received: from a by b; Tue, 10 Sep 2002 10:00:00 +0000\n"
	    "From: a@b.example\n"
	    "Date: 3 Sep 02 10:00 GMT\n"
	    "\n"
	    "x\n";

	TEST_IS_INT(RUN2(future, "check_for_shifted_date", "6", "12"), 1,
	    "Date 8 h after Received: DATE_IN_FUTURE_06_12");
	TEST_IS_INT(RUN2(future, "check_for_shifted_date", "3", "6"), 0,
	    "not in 3-6");
	TEST_IS_INT(RUN2(tz, "check_for_shifted_date", "-3", "3"), 1,
	    "EST is -0500: same time");
	TEST_IS_INT(RUN2(past, "check_for_shifted_date", "undef", "-96"), 1,
	    "two-digit year, a week before: DATE_IN_PAST_96_XX");
	TEST_IS_INT(RUN2(plain, "check_for_shifted_date", "-3", "3"), 1,
	    "plain message: no shift");
}

/* t_headers - HeaderEval tests */
static void
t_headers(void)
{
	static const char caps[] =
	    "From: a@b.example\n"
	    "Subject: Re: BUY CHEAP STUFF NOW\n"
	    "\n"
	    "x\n";
	static const char caps_short[] =
	    "From: a@b.example\nSubject: FREE\n\nx\n";
	static const char notto[] = "From: a@b.example\nSubject: x\n\nx\n";
	static const char diffdom[] =
	    "Return-Path: <x@bulk.mailer.example>\n"
	    "From: a@news.shop.example\n"
	    "\n"
	    "x\n";
	static const char outlook[] =
	    "From: a@b.example\n"
	    "Date: Tue, 3 Sep 2002 10:00:00 +0000\n"
	    "Message-ID: <000001c20000$00000000$00000000@x>\n"
	    "\n"
	    "x\n";
	static const char recips[] =
	    "From: a@b.example\n"
	    "To: aa1@ex1.example, aa2@ex2.example, aa3@ex3.example,\n"
	    " aa4@ex4.example, aa5@ex5.example, aa6@ex6.example,\n"
	    " aa7@ex7.example\n"
	    "\n"
	    "x\n";
	static const char illegal[] =
	    "From: a@b.example\n"
	    "Subject: caf\xe9 cr\xe8me \xe0 la\n"
	    "\n"
	    "x\n";
	static const char utf8subj[] =
	    "From: a@b.example\n"
	    "Subject: caf\xc3\xa9\n"
	    "\n"
	    "x\n";
	static const char tmpl[] =
	    "From: a@b.example\n"
	    "X-Mailer: %MAILER_NAME\n"
	    "\n"
	    "x\n";
	static const char two[] =
	    "From: a@b.example\nX-A: 1\nX-A: 2\nX-A: 1\n\nx\n";

	TEST_IS_INT(RUN0(caps, "subject_is_all_caps"), 1, "all caps subject");
	TEST_IS_INT(RUN0(caps_short, "subject_is_all_caps"), 0,
	    "one word: not all caps");
	TEST_IS_INT(RUN0(plain, "subject_is_all_caps"), 0, "lower case");
	TEST_IS_INT(RUN0(notto, "check_for_missing_to_header"), 1,
	    "no To");
	TEST_IS_INT(RUN0(plain, "check_for_missing_to_header"), 0, "To");
	TEST_IS_INT(RUN0(diffdom, "check_equal_from_domains"), 1,
	    "From shop.example, envelope mailer.example");
	TEST_IS_INT(RUN0(plain, "check_equal_from_domains"), 0,
	    "same 2nd-level domain");
	TEST_IS_INT(RUN0(outlook, "check_outlook_message_id"), 1,
	    "Outlook id whose time does not fit the Date");
	TEST_IS_INT(RUN0(plain, "check_outlook_message_id"), 0,
	    "not an Outlook id");
	TEST_IS_INT(RUN0(recips, "sorted_recipients"), 1, "7 sorted");
	TEST_IS_INT(RUN2(recips, "similar_recipients", "0.5", "undef"), 1,
	    "similar user names");
	TEST_IS_INT(RUN2(plain, "similar_recipients", "0.5", "undef"), 0,
	    "one recipient");
	TEST_IS_INT(RUN3(illegal, "check_illegal_chars", "Subject", "0.03",
	    "2"), 1, "Latin-1 bytes in Subject");
	TEST_IS_INT(RUN3(utf8subj, "check_illegal_chars", "Subject", "0.03",
	    "1"), 0, "valid UTF-8 is legal");
	TEST_IS_INT(RUN0(tmpl, "check_unresolved_template"), 1,
	    "%%MAILER_NAME");
	TEST_IS_INT(RUN0(plain, "check_unresolved_template"), 0, "none");
	TEST_IS_INT(RUN3(two, "check_header_count_range", "X-A", "2", "2"), 1,
	    "two distinct X-A values");
	TEST_IS_INT(RUN0(notto, "check_messageid_not_usable"), 1,
	    "no Received at all: gated");
	TEST_IS_INT(RUN0(plain, "check_messageid_not_usable"), 0,
	    "a Received");
}

/* t_lists - welcome and block lists, freemail */
static void
t_lists(void)
{
	static const char gmail[] =
	    "From: Joe <joe.smith77@gmail.com>\n"
	    "Reply-To: other@yahoo.com\n"
	    "\n"
	    "x\n";
	static const char support[] =
	    "From: support@gmail.com\n\nx\n";

	TEST_IS_INT(RUN0(plain, "check_from_in_welcomelist"), 1,
	    "welcomelist_from *@example.org");
	TEST_IS_INT(RUN0(plain, "check_from_in_whitelist"), 1, "old name");
	TEST_IS_INT(RUN0(gmail, "check_from_in_welcomelist"), 0, "not listed");
	TEST_IS_INT(RUN0(gmail, "check_from_in_blocklist"), 1,
	    "blocklist_from *@gmail.com");
	TEST_IS_INT(RUN0(gmail, "check_freemail_from"), 1, "gmail is free");
	TEST_IS_INT(RUN1(gmail, "check_freemail_from", "\\d@"), 1,
	    "ends in a digit");
	TEST_IS_INT(RUN0(support, "check_freemail_from"), 0,
	    "support@ is exempt");
	TEST_IS_INT(RUN0(plain, "check_freemail_from"), 0, "example.org");
	TEST_IS_INT(RUN1(gmail, "check_freemail_header", "Reply-To"), 1,
	    "Reply-To yahoo");
	TEST_IS_INT(RUN0(gmail, "check_freemail_replyto"), 1,
	    "From and Reply-To different freemails");
}

/* t_mime - MIMEEval */
static void
t_mime(void)
{
	static const char html_only[] =
	    "From: a@b.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/html; charset=us-ascii\n"
	    "\n"
	    "<html><body>hi</body></html>\n";
	static const char alt[] =
	    "From: a@b.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/alternative; boundary=\"XX\"\n"
	    "\n"
	    "--XX\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "hello world this line is very long and goes on and on and on "
	    "and on past the limit\n"
	    "--XX\n"
	    "Content-Type: text/html\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "PGI+aGVsbG8gd29ybGQ8L2I+IG1vbmV5IGNhc2ggcHJpemVzIGZyZWU=\n"
	    "--XX--\n"
	    "trailing epilogue text\n";
	static const char b64text[] =
	    "From: a@b.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "aGVsbG8gd29ybGQ=\n";
	static const char eightbit[] =
	    "From: a@b.example\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "caf\xe9\n";

	TEST_IS_INT(RUN0(html_only, "check_for_mime_html_only"), 1,
	    "text/html only");
	TEST_IS_INT(RUN0(html_only, "check_for_mime_html"), 1, "has html");
	TEST_IS_INT(RUN0(alt, "check_for_mime_html_only"), 0,
	    "alternative has a text part");
	TEST_IS_INT(RUN0(alt, "check_for_mime_html"), 1, "has html part");
	TEST_IS_INT(RUN1(alt, "check_for_mime", "mime_qp_long_line"), 1,
	    "QP line over 78");
	TEST_IS_INT(RUN1(alt, "check_for_mime", "mime_base64_count"), 1,
	    "a base64 part");
	TEST_IS_INT(RUN1(alt, "check_msg_parse_flags", "mime_epilogue_exists"),
	    1, "epilogue after the close delimiter");
	TEST_IS_INT(RUN1(plain, "check_msg_parse_flags",
	    "mime_epilogue_exists"), 0, "no epilogue");
	TEST_IS_INT(RUN1(b64text, "check_for_mime",
	    "mime_base64_encoded_text"), 1, "base64 plain text");
	TEST_IS_INT(RUN2(b64text, "check_base64_length", "15", "undef"), 1,
	    "base64 line of 17 bytes");
	TEST_IS_INT(RUN2(b64text, "check_base64_length", "79", "undef"), 0,
	    "not 79");
	TEST_IS_INT(RUN0(eightbit, "check_for_ascii_text_illegal"), 1,
	    "8-bit in us-ascii");
	TEST_IS_INT(RUN0(plain, "check_for_ascii_text_illegal"), 0, "ascii");
	TEST_IS_INT(RUN2(alt, "multipart_alternative_difference", "99",
	    "100"), 0, "html words mostly in the text");
	TEST_IS_INT(RUN2(alt, "multipart_alternative_difference", "0",
	    "100"), 1, "but not all (money cash prizes free)");
}

/* t_html - HTMLEval on the HTML.pm statistics */
static void
t_html(void)
{
	static const char h1[] =
	    "From: a@b.example\n"
	    "Subject: s\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<html><head><title>A very long title for a short subject"
	    "</title></head>\n"
	    "<body><!-- saved from url=(0022)http://x/ -->\n"
	    "<font face=\"@@bad!!\" size=7 color=#ffffff>w</font>"
	    "<center>c<a href=\"http://x.example/\"><img src=\"i.gif\" "
	    "width=400 height=300></a>\n"
	    "<p>text</body></body><object></object></html>\n";

	TEST_IS_INT(RUN1(h1, "html_test", "html"), 1, "HTML_MESSAGE");
	TEST_IS_INT(RUN1(plain, "html_test", "html"), 0, "no HTML");
	TEST_IS_INT(RUN1(h1, "html_test", "font_face_bad"), 1, "bad face");
	TEST_IS_INT(RUN1(h1, "html_test", "font_low_contrast"), 1,
	    "white on white");
	TEST_IS_INT(RUN1(h1, "html_test", "embeds"), 1, "object");
	TEST_IS_INT(RUN3(h1, "html_range", "max_size", "6", "inf"), 1,
	    "font size 7");
	TEST_IS_INT(RUN1(h1, "html_tag_exists", "center"), 1, "center");
	TEST_IS_INT(RUN1(h1, "html_tag_exists", "script"), 0, "no script");
	TEST_IS_INT(RUN2(h1, "html_tag_balance", "center", "!= 0"), 1,
	    "center left open");
	TEST_IS_INT(RUN2(h1, "html_tag_balance", "body", "!= 0"), 0,
	    "extra </body> does not go below 0");
	TEST_IS_INT(RUN3(h1, "html_range", "closed_extra_ratio", "0.01",
	    "inf"), 1, "an extra close");
	TEST_IS_INT(RUN2(h1, "html_text_match", "comment",
	    "<!-- saved from url=\\(\\d{4}\\)"), 1, "saved from url");
	TEST_IS_INT(RUN2(h1, "html_text_match", "anchor", "<img>"), 1,
	    "image link");
	TEST_IS_INT(RUN1(h1, "html_title_subject_ratio", "3.5"), 1,
	    "title much longer than subject");
	TEST_IS_INT(RUN2(h1, "html_image_ratio", "0.000", "0.002"), 1,
	    "little text for a 400x300 image");
	TEST_IS_INT(RUN2(h1, "html_image_only", "0", "400"), 1,
	    "image and a short document");
	TEST_IS_INT(RUN2(h1, "html_eval", "length", "< 512"), 1, "short");
	TEST_IS_INT(RUN2(h1, "html_eval", "length", "< 100"), 0, "not < 100");
}

/* t_body - BodyEval tests */
static void
t_body(void)
{
	static const char vert[] =
	    "From: a@b.example\nSubject: s\n\nb u y n o w c h e a p\n";
	static const char upper[] =
	    "From: a@b.example\nSubject: s\n\n"
	    "THIS IS A VERY LOUD MESSAGE WITH LOTS OF CAPITAL LETTERS AND "
	    "IT GOES ON FOR MORE THAN TWO HUNDRED CHARACTERS SO THAT THE "
	    "TEST LOOKS AT IT, AND IT KEEPS SHOUTING ABOUT THINGS NOBODY "
	    "WANTS TO BUY, AT PRICES NOBODY BELIEVES, FOREVER AND EVER.\n";

	TEST_IS_INT(RUN2(vert, "tvd_vertical_words", "10", "100"), 1,
	    "spaced-out letters");
	TEST_IS_INT(RUN2(plain, "tvd_vertical_words", "90", "100"), 0,
	    "normal text");
	TEST_IS_INT(RUN2(upper, "check_for_uppercase", "50", "100"), 1,
	    "shouting");
	TEST_IS_INT(RUN2(plain, "check_for_uppercase", "50", "100"), 0,
	    "too short to judge");
	TEST_IS_INT(RUN1(plain, "check_body_length", "100"), 1, "short body");
	TEST_IS_INT(RUN1(upper, "check_body_length", "100"), 0, "long body");
}

/* t_more - HTTPSMismatch, VBounce, URI host lists, stock info and
 * the freemail body */
static void
t_more(void)
{
	static const char https[] =
	    "From: a@b.example\nContent-Type: text/html\n\n"
	    "<a href=\"http://phish.example.com/x\">https://www.bank.com/"
	    "</a> <a href=\"http://192.0.2.7/\">https://bank.com/</a>\n";
	static const char alt[] =
	    "From: a@b.example\n"
	    "Content-Type: multipart/alternative; boundary=\"A\"\n\n"
	    "--A\nContent-Type: text/plain\n\nhi\n"
	    "--A\nContent-Type: application/octet-stream\n\nxx\n"
	    "--A--\n";
	static const char bounce[] =
	    "From: MAILER-DAEMON@x.example\nSubject: failure\n\n"
	    "The original message:\n"
	    "> Received: from host by mx.example.net with SMTP;\n";
	static const char uris[] =
	    "From: a@b.example\nSubject: s\n\n"
	    "visit http://www.cheap.top/ now\n";
	static const char goodtop[] =
	    "From: a@b.example\nSubject: s\n\n"
	    "visit http://good.top/ now\n";
	static const char stock[] =
	    "From: a@b.example\nSubject: s\n\n"
	    "Company: Foo Corp\nSymbol: FOOC\nPrice Target: $5\n";
	static const char fmbody[] =
	    "From: joe@gmail.com\nSubject: s\n\n"
	    "write to other.person@yahoo.com please\n";

	TEST_IS_INT(RUN2(https, "check_https_http_mismatch", "1", "10"), 1,
	    "link text https://www.bank.com, link to example.com");
	TEST_IS_INT(RUN0(https, "check_https_ip_mismatch"), 1,
	    "link to an IP, text https");
	TEST_IS_INT(RUN2(plain, "check_https_http_mismatch", "1", "10"), 0,
	    "no HTML");
	TEST_IS_INT(RUN0(alt, "check_ma_non_text"), 1,
	    "octet-stream in an alternative");
	TEST_IS_INT(RUN0(plain, "have_any_bounce_relays"), 1, "configured");
	TEST_IS_INT(RUN0(bounce, "check_welcomelist_bounce_relays"), 1,
	    "quoted Received of our relay");
	TEST_IS_INT(RUN0(plain, "check_welcomelist_bounce_relays"), 0,
	    "no quoted Received");
	TEST_IS_INT(RUN1(uris, "check_uri_host_listed", "BADTLD"), 1,
	    ".top listed");
	TEST_IS_INT(RUN1(goodtop, "check_uri_host_listed", "BADTLD"), 0,
	    "good.top delisted");
	TEST_IS_INT(RUN1(uris, "check_uri_host_listed", "OTHER"), 0,
	    "another list");
	TEST_IS_INT(RUN1(stock, "check_stock_info", "3"), 1,
	    "company, symbol, price target");
	TEST_IS_INT(RUN1(plain, "check_stock_info", "1"), 0, "no labels");
	TEST_IS_INT(RUN0(fmbody, "check_freemail_body"), 1,
	    "freemail address in the body");
	TEST_IS_INT(RUN1(fmbody, "check_freemail_replyto", "reply"), 1,
	    "From freemail, body asks for another freemail");
}

/* t_plugins - AntiVirus, FromNameSpoof, DecodeShortURLs */
static void
t_plugins(void)
{
	static const char exe[] =
	    "From: a@b.example\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nsee attached\n"
	    "--B\nContent-Type: application/octet-stream;\n"
	    " name=\"inv.pdf.exe\"\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
	    "--B\nContent-Type: text/plain; name=\"photo.jpg\"\n\nxx\n"
	    "--B--\n";
	static const char spoof[] =
	    "From: \"service@paypal.com\" <x123@bulk-mailer.com>\n"
	    "To: victim@example.net\n"
	    "Reply-To: service@paypal.com\n\nhi\n";
	static const char shorty[] =
	    "From: a@b.example\nSubject: s\n\n"
	    "click http://bit.ly/abc123 now\n";

	TEST_IS_INT(RUN0(exe, "check_microsoft_executable"), 1, ".exe name");
	TEST_IS_INT(RUN0(exe, "check_suspect_name"), 1,
	    "photo.jpg sent as text/plain");
	TEST_IS_INT(RUN0(plain, "check_microsoft_executable"), 0, "none");
	TEST_IS_INT(RUN0(spoof, "check_fromname_spoof"), 1,
	    "From name shows paypal.com, address bulk-mailer.com");
	TEST_IS_INT(RUN0(spoof, "check_fromname_equals_replyto"), 1,
	    "Reply-To is the address in the name");
	TEST_IS_INT(RUN0(plain, "check_fromname_spoof"), 0, "plain name");
	TEST_IS_INT(RUN0(shorty, "short_url"), 1, "bit.ly link");
	TEST_IS_INT(RUN0(plain, "short_url"), 0, "no link");
	TEST_IS_STR(eval_offline("short_url_chained"), "network test",
	    "following short URLs is a network test");
}

/* t_rcvd - welcome lists that also check the relay */
static void
t_rcvd(void)
{
	static const char pp[] =
	    "Received: from mx1.paypal.com (mx1.paypal.com [64.4.240.1])\n"
	    "\tby mx.example.net (Postfix) with ESMTP id 1234;\n"
	    "\tTue, 3 Sep 2002 10:00:00 +0000\n"
	    "From: service@paypal.com\n\nhi\n";
	static const char forged[] =
	    "Received: from evil.example.org (evil.example.org [203.0.113.9])"
	    "\n\tby mx.example.net (Postfix) with ESMTP id 1234;\n"
	    "\tTue, 3 Sep 2002 10:00:00 +0000\n"
	    "From: service@paypal.com\n\nhi\n";
	static const char boss[] =
	    "Received: from gw.corp.com (gw.corp.com [198.51.100.7])\n"
	    "\tby mx.example.net (Postfix) with ESMTP id 1234;\n"
	    "\tTue, 3 Sep 2002 10:00:00 +0000\n"
	    "From: boss@corp.com\n\nhi\n";

	TEST_IS_INT(RUN0(pp, "check_from_in_default_welcomelist"), 1,
	    "paypal.com relayed by paypal.com");
	TEST_IS_INT(RUN0(forged, "check_from_in_default_welcomelist"), 0,
	    "paypal.com relayed by someone else");
	TEST_IS_INT(RUN0(boss, "check_from_in_welcomelist"), 1,
	    "welcomelist_from_rcvd by subnet");
	TEST_IS_INT(RUN0(forged, "check_from_in_welcomelist"), 0,
	    "not listed");
}

/* t_lists2 - address lists, subject lists, URI host block list */
static void
t_lists2(void)
{
	static const char bank[] =
	    "From: alerts@mail.bank.example\nSubject: The Weekly Report for "
	    "May\n\nsee http://www.evil.example.com/x\n";

	TEST_IS_INT(RUN1(bank, "check_from_in_list", "BANKS"), 1,
	    "enlist_addrlist (BANKS)");
	TEST_IS_INT(RUN1(plain, "check_from_in_list", "BANKS"), 0,
	    "not a bank");
	TEST_IS_INT(RUN1("From: a@b.example\nReply-To: x@bank.example\n\nx\n",
	    "check_replyto_in_list", "BANKS"), 1, "Reply-To in BANKS");
	TEST_IS_INT(RUN0(bank, "check_subject_in_welcomelist"), 1,
	    "welcomelist_subject glob, any case");
	TEST_IS_INT(RUN0(plain, "check_subject_in_welcomelist"), 0, "lunch");
	TEST_IS_INT(RUN0(bank, "check_uri_host_in_blocklist"), 1,
	    "blocklist_uri_host, a subdomain");
	TEST_IS_INT(RUN0(bank, "check_uri_host_in_welcomelist"), 0,
	    "no welcome list");
	TEST_IS_INT(RUN0(plain, "check_to_in_more_spam"), 1,
	    "more_spam_to alice@example.net");
	TEST_IS_INT(RUN0(bank, "check_to_in_more_spam"), 0, "no To");
}

/* t_images - ImageInfo on a GIF and a PNG attachment */
static void
t_images(void)
{
	static const char img[] =
	    "From: a@b.example\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"B\"\n"
	    "\n"
	    "--B\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "see the pictures\n"
	    "--B\n"
	    "Content-Type: image/gif; name=\"a.gif\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "R0lGODlhEAAgAIAAAA==\n"
	    "--B\n"
	    "Content-Type: image/png\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "iVBORw0KGgoAAAANSUhEUgAAAQAAAACACAIAAAA=\n"
	    "--B--\n";

	TEST_IS_INT(RUN3(img, "image_count", "gif", "1", "1"), 1, "one GIF");
	TEST_IS_INT(RUN2(img, "image_count", "all", "2"), 1, "two images");
	TEST_IS_INT(RUN2(img, "image_count", "jpeg", "1"), 0, "no JPEG");
	TEST_IS_INT(RUN3(img, "image_size_exact", "gif", "32", "16"), 1,
	    "GIF 16 wide, 32 high");
	TEST_IS_INT(RUN3(img, "image_size_exact", "png", "128", "256"), 1,
	    "PNG 256x128 from IHDR");
	TEST_IS_INT(RUN3(img, "pixel_coverage", "all", "33000", "33280"), 1,
	    "512 + 32768 pixels");
	TEST_IS_INT(RUN1(img, "image_named", "a.gif"), 1, "named a.gif");
	TEST_IS_INT(RUN3(img, "image_size_range", "png", "100", "200"), 1,
	    "PNG at least 100 x 200");
}

/* t_hostile - large hostile messages stay linear */
static void
t_hostile(void)
{
	static const char *const evals[] = {
		"check_https_http_mismatch", "html_tag_exists",
		"multipart_alternative_difference", "html_text_match",
		"check_for_mime", "tvd_vertical_words",
		"check_freemail_replyto",
	};
	struct buf m = BUF_INIT;
	struct eval_msg *em;
	char *argv[3] = { "anchor", "<img>", NULL };
	double t0;
	size_t i;
	int k;

	buf_adds(&m, "From: a@gmail.com\nReply-To: b@yahoo.com\n"
	    "Content-Type: multipart/alternative; boundary=\"Z\"\n\n"
	    "--Z\nContent-Type: text/plain\n\n");
	for (k = 0; k < 100000; k++)
		buf_addf(&m, "w%d ", k);
	buf_adds(&m, "\n--Z\nContent-Type: text/html\n\n");
	for (k = 0; k < 30000; k++)
		buf_addf(&m, "<a href=\"http://h%d.example.com/\">https://x%d."
		    "com/ v%d</a><t%d></t%d>", k, k, k, k, k);
	buf_adds(&m, "\n--Z--\n");
	em = msg_new(buf_str(&m));
	t0 = test_now();
	for (i = 0; i < sizeof(evals) / sizeof(evals[0]); i++)
		(void)eval_lookup(evals[i])(em, 2, argv);
	TEST_OK(test_now() - t0 < 5 * test_slow(),
	    "30000 anchors and tags, 100000 words: %.2f s", test_now() - t0);
	msg_free(em);
	buf_free(&m);
}

/* worker - evals from several families, again and again */
static void *
worker(void *arg)
{
	static const char m[] =
	    "From: joe.smith77@gmail.com\nReply-To: x@yahoo.com\n"
	    "Subject: BUY CHEAP STUFF NOW\nContent-Type: text/html\n\n"
	    "<html><body><font size=7>Big</font> <a href=\"http://a.example."
	    "com/\">https://b.com/</a> text text text</body></html>\n";
	int k, *bad = arg;

	for (k = 0; k < 50; k++) {
		if (RUN0(m, "check_freemail_from") != 1 ||
		    RUN3(m, "html_range", "max_size", "6", "inf") != 1 ||
		    RUN0(m, "subject_is_all_caps") != 1 ||
		    RUN2(m, "html_text_match", "anchor", "https:") != 1 ||
		    RUN2(m, "check_https_http_mismatch", "1", "10") != 1)
			(*bad)++;
	}
	return NULL;
}

/* t_threads - the evals' shared caches under concurrent use */
static void
t_threads(void)
{
	pthread_t t[4];
	int bad[4] = { 0 }, i, sum = 0;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, &bad[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		sum += bad[i];
	}
	TEST_IS_INT(sum, 0, "4 threads, 50 messages each, same answers");
}

static const char english[] =
    "The committee met on Tuesday to discuss the budget for the coming "
    "year. Several members raised concerns about the rising cost of "
    "maintenance and the need to hire more staff for the library. After "
    "a long discussion, they agreed to postpone the decision until the "
    "next meeting, when the treasurer will present a detailed report on "
    "the expenses of the last three years and a forecast for the next "
    "two. Everyone was asked to send their suggestions by email before "
    "the end of the month, so that they can be included in the agenda.";
static const char french[] =
    "Le comité s'est réuni mardi pour discuter du budget de l'année "
    "prochaine. Plusieurs membres ont exprimé leurs inquiétudes quant à "
    "la hausse des coûts d'entretien et à la nécessité d'embaucher du "
    "personnel supplémentaire pour la bibliothèque. Après une longue "
    "discussion, ils ont convenu de reporter la décision à la prochaine "
    "réunion, lorsque le trésorier présentera un rapport détaillé sur "
    "les dépenses des trois dernières années et une prévision pour les "
    "deux suivantes.";
static const char german[] =
    "Der Ausschuss hat sich am Dienstag getroffen, um den Haushalt für "
    "das kommende Jahr zu besprechen. Mehrere Mitglieder äußerten "
    "Bedenken wegen der steigenden Instandhaltungskosten und der "
    "Notwendigkeit, mehr Personal für die Bibliothek einzustellen. Nach "
    "einer langen Diskussion einigten sie sich darauf, die Entscheidung "
    "bis zur nächsten Sitzung zu vertagen, wenn der Schatzmeister einen "
    "ausführlichen Bericht über die Ausgaben der letzten drei Jahre "
    "vorlegen wird.";

/* mail - a message with a body */
static char *
mail(const char *body)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "From: a@b.example\nSubject: notes\n"
	    "Content-Type: text/plain; charset=utf-8\n\n");
	buf_adds(&b, body);
	buf_adds(&b, "\n");
	return buf_steal(&b);
}

/* t_language - TextCat on libexttextcat */
static void
t_language(void)
{
	struct buf t = BUF_INIT, g = BUF_INIT;
	char *m;

	textcat_guess(english, strlen(english), NULL, &g);
	TEST_IS_STR(buf_str(&g), "en", "English text: en");
	textcat_guess(french, strlen(french), NULL, &g);
	TEST_IS_STR(buf_str(&g), "fr", "French text: fr");
	textcat_guess("too short", 9, NULL, &g);
	TEST_IS_STR(buf_str(&g), "", "short text: no guess");
	textcat_text("Subject: hi http://x.example/a?b see www.y.example or "
	    "me@z.example now", 70, &t);
	TEST_IS_STR(buf_str(&t), "hi   see   or   now",
	    "labels, URLs, www names and addresses removed");
	/* ok_languages fr en (the configuration of this test) */
	m = mail(english);
	TEST_IS_INT(RUN0(m, "check_language"), 0, "English is ok");
	free(m);
	m = mail(french);
	TEST_IS_INT(RUN0(m, "check_language"), 0, "French is ok");
	free(m);
	m = mail(german);
	TEST_IS_INT(RUN0(m, "check_language"), 1,
	    "German is not in \"fr en\"");
	free(m);
	buf_free(&t);
	buf_free(&g);
}

/* t_to_in_subject - check_for_to_in_subject, with and without the
 * recipient in Subject (the short cut must not hide a hit) */
static void
t_to_in_subject(void)
{
	static const struct {
		const char *subj, *how;
		int want;
	} t[] = {
		{ "Re: Bob", "user", 1 },
		{ "hello BOB!", "user", 0 },
		{ "bob! you", "user", 1 },
		{ "BoB", "user", 1 },
		{ "hello bobby", "user", 0 },
		{ "nothing here", "user", 0 },
		{ "mail to BOB@Example.COM now", "address", 1 },
		{ "mail to bob@example.org", "address", 0 },
	};
	struct buf m = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&m);
		buf_addf(&m, "From: a@b.example\nTo: bob@example.com\n"
		    "Subject: %s\n\nx\n", t[i].subj);
		TEST_IS_INT(RUN1(buf_str(&m), "check_for_to_in_subject",
		    t[i].how), t[i].want, "to_in_subject(%s): %s", t[i].how,
		    t[i].subj);
	}
	buf_free(&m);
}

int
main(void)
{
	char dir[] = "/tmp/evals_test.XXXXXX", path[64];
	FILE *f;

	/* FreeMail's lists are read from the rule files' directory */
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/20_freemail.cf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return 1;
	fputs("freemail_domains gmail.com yahoo.* hotmail.com\n"
	    "welcomelist_bounce_relays mx.example.net\n"
	    "url_shortener bit.ly .page.link\n"
	    "def_welcomelist_from_rcvd *@paypal.com paypal.com\n"
	    "enlist_addrlist (BANKS) *@bank.example *@*.bank.example\n"
	    "welcomelist_subject *weekly report*\n"
	    "blocklist_uri_host evil.example.com\n"
	    "more_spam_to alice@example.net\n"
	    "welcomelist_from_rcvd boss@corp.com [198.51.100.]\n"
	    "enlist_uri_host (BADTLD) top click\n"
	    "delist_uri_host (BADTLD) good.top\n"
	    "header T_EVALS_TEST From =~ /never-matches/\n", f);
	fclose(f);
	conf = saconf_new(NULL);
	saconf_load_path(conf, path);
	saconf_load_string(conf, "evals_test.cf",
	    "welcomelist_from *@example.org\n"
	    "blocklist_from *@gmail.com\n"
	    "ok_languages fr en\n");
	saconf_finish(conf);
	t_lookup();
	t_dates();
	t_headers();
	t_lists();
	t_mime();
	t_html();
	t_body();
	t_images();
	t_more();
	t_plugins();
	t_rcvd();
	t_lists2();
	t_hostile();
	t_threads();
	t_language();
	t_to_in_subject();
	saconf_free(conf);
	unlink(path);
	rmdir(dir);
	TEST_DONE();
}
