/*
 * mem.h - allocation that never returns NULL.
 *
 * Exports xmalloc, xcalloc, xrealloc, xstrdup, xstrndup, xmemdup, xfree.
 * An allocation failure is fatal (logged, exit 1): a mail program that
 * cannot allocate has nothing useful left to do, and the caller's 4xx
 * path (a dead child) keeps the message safe.
 */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
void	 xfree(void *);

#endif
