/*
 * textcat.h - the language of a text as SpamAssassin's TextCat plugin
 * reports it (two-letter codes, "" when unsure), on libexttextcat's
 * language models.
 *
 * Exports textcat_guess, textcat_text.  The text is hostile; see
 * textcat.c.
 */
#ifndef SCORER_TEXTCAT_H
#define SCORER_TEXTCAT_H

#include <stddef.h>

#include "buf.h"

#define TEXTCAT_MAX_TEXT	10000	/* TextCat.pm looks at this much */
#define TEXTCAT_MIN_TEXT	256	/* shorter: no guess */
#define TEXTCAT_MAX_LANGS	3	/* more candidates: no guess */

/*
 * textcat_text - the text TextCat.pm classifies, from the rendered
 * body lines (joined by "\n"): leading "word:" labels, URLs, addresses
 * and www. names removed, cut at TEXTCAT_MAX_TEXT bytes
 */
void	textcat_text(const char *body, size_t len, struct buf *out);

/*
 * textcat_guess - the languages of a prepared text, space-separated
 * two-letter codes best first, into out; "" when too short, unknown or
 * ambiguous.  ok_languages (space-separated, or NULL) re-enables the
 * languages TextCat.pm leaves out by default (sco, cy, la ...).
 * Returns -1 when the models cannot be loaded (then out is ""), 0
 * otherwise.  The models are loaded on first use (again only when the
 * set of languages changes).
 */
int	textcat_guess(const char *text, size_t len, const char *ok_languages,
	    struct buf *out);

#endif
