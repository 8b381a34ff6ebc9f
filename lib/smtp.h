/*
 * smtp.h - SMTP protocol helpers shared by smtpd-in, qmgr and reinject.
 *
 * Exports smtp_reply_code, smtp_reply_enh, smtp_parse_path,
 * smtp_xtext_decode, smtp_xtext_encode, smtp_valid_xtext,
 * smtp_addr_printable, smtp_netlist_match.
 */
#ifndef SMTP_H
#define SMTP_H

#include "buf.h"

int	smtp_reply_code(const char *);
int	smtp_reply_enh(const char *, char *, size_t);
int	smtp_parse_path(const char *, const char *, char **, char **);
int	smtp_xtext_decode(const char *, struct buf *);
void	smtp_xtext_encode(const char *, struct buf *);
int	smtp_valid_xtext(const char *);
int	smtp_netlist_match(const char *list, const char *addr);

#endif
