/*
 * html.h - render HTML to text as SpamAssassin's Mail::SpamAssassin::HTML
 * (on HTML::Parser) does for body rules, and collect the URIs it finds.
 *
 * Exports struct html, struct html_uri, the HTML_* flags and limits,
 * html_render, html_free.  The input is hostile; see html.c.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "buf.h"

#define HTML_MAX_URIS		10000	/* distinct URIs kept per document */
#define HTML_MAX_URI_LEN	8192	/* SA's MAX_URI_LENGTH */
#define HTML_MAX_STYLE		256	/* depth of the text style stack */

#define HTML_URI_TRUNCATED	0x0001	/* an URI was cut at HTML_MAX_URI_LEN */
#define HTML_URI_TOO_MANY	0x0002	/* URIs beyond HTML_MAX_URIS dropped */
#define HTML_STYLE_TOO_DEEP	0x0004	/* style stack full, styles ignored */
#define HTML_UNTERMINATED	0x0008	/* input ended inside a tag/comment */
#define HTML_LOW_CONTRAST	0x0010	/* text in font color ~ background */

/* html.tests: HTML.pm put_results flags */
#define HTML_T_FONT_FACE_BAD		0x0001
#define HTML_T_FONT_INVALID_COLOR	0x0002
#define HTML_T_FORM_ACTION_MAILTO	0x0004
#define HTML_T_EMBEDS			0x0008

#define HTML_MAX_INSIDE	512	/* distinct tag names counted */

struct html_inside {
	char		 name[32];	/* lower case, cut */
	int		 count;		/* start tags minus end tags, >= 0 */
};

struct html_uri {
	char		*uri;		/* as SA's uri_detail key, NUL-ended */
	char		 tag[12];	/* first tag that referenced it: "a" */
};

struct html {
	struct buf	 text;		/* all rendered text (SA "rendered") */
	struct buf	 visible;	/* without invisible runs */
	struct buf	 invisible;	/* only the invisible runs */
	struct buf	 title;		/* text of <title>, titles joined by \n */
	struct buf	 script;	/* text of <script>, joined by \n */
	struct html_uri	*uri;		/* distinct URIs in document order */
	int		 nuri;
	int		 flags;		/* HTML_* */
	int		 tags;		/* start and end tags seen */
	int		 elements;	/* of them, known HTML elements */
	int		 closed_extra;	/* end tags without a start tag */
	/* SA HTML.pm get_results, for the HTMLEval tests */
	struct html_inside *inside;	/* per tag name: open count */
	int		 ninside;
	int		 tags_seen;	/* tags first seen (not inside) */
	int		 elements_seen;
	int		 all_closed_extra;	/* any tag closed unopened */
	double		 image_area;	/* img width x height, summed */
	int		 min_size, max_size;	/* font sizes seen (3) */
	size_t		 length;	/* input bytes */
	size_t		 length_chars;	/* input UTF-8 characters */
	int		 obfuscation;	/* word runs cut by tags */
	int		 backhair;	/* distinct cut shapes */
	int		 tests;		/* HTML_T_* */
	struct buf	 comment;	/* comments ("<!--...-->"), each after
					   a NUL */
	struct buf	 anchor;	/* anchor texts: NUL, the href as
					   uri_detail keys it, \1, the text */
	struct buf	 titles;	/* title texts, each after a NUL */
	/* private: tag name hash (inside), URI hash set */
	int		*inside_hash;
	int		*uri_hash;
	size_t		 uri_hsize;
};

void	html_render(struct html *, const char *, size_t);
void	html_free(struct html *);

#endif
