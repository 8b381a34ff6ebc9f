/*
 * relays.c - the Received header chain as SpamAssassin 4.0.1 reads it
 * (Message/Metadata/Received.pm), its X-Spam-Relays-* pseudo-headers
 * and the evals that read it (Plugin/RelayEval.pm, the Received parts
 * of Plugin/HeaderEval.pm).
 *
 * Exports relays_parse, relays_free, relays_pseudo_header,
 * relays_envfrom, relays_eval_lookup, relays_conf_init,
 * relays_conf_free, relays_conf_setting, relays_conf_orig_headers,
 * relays_netset_add, relays_netset_contains, relays_ip_private.
 *
 * The headers are hostile (they come from the network); this runs in
 * the scorer, unprivileged, and touches no file.  The configuration
 * (network lists, header names) is trusted.
 *
 * A Received line is squeezed to single spaces, its date cut off, and
 * then recognised by a cascade of patterns, one per MTA format, in
 * SpamAssassin's order: the first that matches decides the fields.
 * Lines of local handovers, mail fetchers and MTAs known to record no
 * address are skipped; the rest that give no IP and "by" count as
 * unparseable.  Trust: with trusted/internal networks configured, a
 * relay stays trusted while its IP is in them (or it authenticated);
 * without, SpamAssassin infers: trusted while the IP is private or the
 * relay authenticated, and everything after the first other relay is
 * untrusted and external.  IPs from originating_ip_headers
 * (X-Originating-IP ...) join the chain at its end.
 * Bounds: lines are cut at 8192 bytes (msgtext already cuts values),
 * at most RELAYS_MAX headers are looked at, every regex runs under a
 * PCRE2 match limit; a line whose regex hits the limit simply does not
 * match that format.
 * Checked against SpamAssassin 4.0.1 itself: identical X-Spam-Relays-*
 * strings and relay eval results on the 6046 corpus messages, and the
 * same reading of 60,000 mutated Received lines.
 * One 4.0.1 quirk kept: check_for_numeric_helo ignores its private
 * address exemption ("local $1" leaves $1 undefined there).
 */
#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "evals.h"
#include "log.h"
#include "mem.h"
#include "msgtext.h"
#include "relays.h"

#define RELAYS_MAX		5000	/* Received headers looked at */
#define RELAYS_LINE_MAX		8192	/* bytes of one header */
#define RELAYS_MATCH_LIMIT	200000	/* PCRE2 match limit a regex run */
#define RELAYS_DEPTH_LIMIT	20000

/* Constants.pm's address patterns, as PCRE2 text */
#define O4	"(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)"
#define V4	O4 "\\." O4 "\\." O4 "\\." O4
#define H6	"[a-f0-9]{1,4}"
#define IP	"(?i:\\b(?<!:)" V4 "\\b|(?:IPv6:|(?<![a-f0-9:]))(?:" \
	"(?:(?:" H6 ":){6}|::(?:" H6 ":){0,5}|(?:" H6 ":){1,5}:|" \
	H6 "::(?:" H6 ":){1,4}|(?:" H6 ":){2}:(?:" H6 ":){1,3}|" \
	"(?:" H6 ":){3}:(?:" H6 ":){1,2}|(?:" H6 ":){4}:" H6 ":)" V4 \
	"|(?:" H6 ":){7}" H6 "|:(?::" H6 "){1,7}|(?:" H6 ":){1,7}:|" \
	H6 ":(?::" H6 "){1,6}|(?:" H6 ":){2}(?::" H6 "){1,5}|" \
	"(?:" H6 ":){3}(?::" H6 "){1,4}|(?:" H6 ":){4}(?::" H6 "){1,3}|" \
	"(?:" H6 ":){5}(?::" H6 "){1,2}|(?:" H6 ":){6}:" H6 "|::)" \
	"(?![a-f0-9:]))"
/* the twelve bytes in front of a mapped IPv4 address, all zero */
#define MAP0	"(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|" \
	"(?:0{1,4}:){1,4}:ffff:|0{1,4}::(?:0{1,4}:){1,3}ffff:|" \
	"(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|" \
	"(?:0{1,4}:){4}:ffff:)"
/* ::1 in its spellings */
#define LOOP6	"(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|" \
	"0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|" \
	"(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|" \
	"(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|" \
	"(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|" \
	"(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|(?:0{1,4}:){6}:0{0,3}1"
#define LH	"(?i:localhost(?:\\.localdomain)?|\\b(?<!:)127\\.0\\.0\\.1\\b|" \
	"(?:IPv6:|(?<![a-f0-9:]))(?:" MAP0 "127\\.0\\.0\\.1|" LOOP6 ")" \
	"(?![a-f0-9:]))"
#define PRIV4	"(?:10|127|169\\.254|172\\.(?:1[6-9]|2[0-9]|3[01])|" \
	"192\\.168|100\\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))"
#define PRIV	"(?i:" PRIV4 "\\..*|(?:IPv6:|(?<![a-f0-9:]))(?:" MAP0 PRIV4 \
	"\\..*|fe[89ab][0-9a-f]:.*|" LOOP6 ")(?![a-f0-9:]))"
#define HELOCH	"-A-Za-z0-9\\.\\^+_&:=?!@%*\\$\\\\\\/"

/*
 * The patterns, in the order Received.pm tries them; C = caseless.
 */
#define PATTERNS \
X(FROMSTART, 1, "^\\(?from ") \
X(WITHLOCALFOR, 0, "\\bwith local for\\b") \
X(FROMBYSEMI, 1, "^from (\\S+) by [^\\s;]+ ?;") \
X(BRACKETDOTS, 0, "^\\[[\\d.]+\\]$") \
X(DATE, 0, "[\\s;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?\\d+ " \
    "(?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) \\d+ " \
    "\\d+:\\d+(?::\\d+)? \\S+$") \
X(ID, 0, " id <?([^\\s<>;]{3,})") \
X(HELOEQ, 0, "\\bhelo=([" HELOCH "]+)(?:[^" HELOCH "]|$)") \
X(HELOKW, 0, "\\b(?:HELO|EHLO) ([" HELOCH "]+)(?:[^" HELOCH "]|$)") \
X(BY, 0, " by (\\S+)(?:[^-A-Za-z0-9\\;\\.]|$)") \
X(SPBYSP, 0, " by ") \
X(AUTHWITH, 1, " with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)" \
    "(?: |;|$)") \
X(GMAIL1, 0, " by mx\\.google\\.com with ESMTPS id [a-z0-9]{1,4}sm" \
    "[0-9]{2,9}[a-z]{3}\\.[0-9]{1,3}\\.[0-9]{4}\\.(?:[0-6][0-9]\\.){4}" \
    "[0-6][0-9]") \
X(GMAIL2, 0, "\\(version=([^ ]+) cipher=([^\\)]+)\\)") \
X(COURIER, 0, "^from .*?(?:\\]\\)|\\)\\]) \\(AUTH: " \
    "(LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) \\S+(?:, .*?)?\\) by ") \
X(AUTHED, 0, "authenticated") \
X(SENDMAILAUTH, 0, "^from .*?(?:\\](?: \\([^)]*\\))?\\)|\\)\\]) .*?\\(" \
    ".*?authenticated.*?\\).*? by") \
X(GMX, 0, "from \\S* \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP ")\\] by " \
    "(mail\\.gmx\\.(?:net|com)) \\([^\\)]+\\) with ((?:ESMTP|SMTP))") \
X(CP1, 0, " \\(authenticated as ") \
X(CP2, 0, "\\) by .+ \\(\\d{1,2}\\.\\d\\.\\d{3}(?:\\.\\d{1,3})?\\) " \
    "\\(authenticated as .+\\) id ") \
X(PFXAUTH, 0, "\\) \\(Authenticated sender: \\S+\\) by \\S+ " \
    "\\(([^\\)]+)\\) with ") \
X(CGPAUTH1, 0, "CommuniGate Pro (HTTP|SMTP|XIMSS|IMAP)") \
X(CGPAUTH2, 0, " \\(account ") \
X(DAV, 0, " with Microsoft Exchange Server HTTP-DAV\\b") \
X(VIAHTTPAUTH, 1, " \\(via (HTTP.?)\\)(?: |;|$)") \
X(ENVFROM, 1, "(?:return-path:? |envelope-(?:sender|from)[ =])(\\S+)\\b") \
X(SQUIRREL, 0, " \\((?:SquirrelMail|NaSMail) authenticated user ") \
X(SQUIRREL2, 0, "(" IP ")\\b(?![.-]).{10,80}by (\\S+) with HTTP") \
X(AOLCOM, 0, "aol\\.com") \
X(AOLWEB, 0, "with HTTP \\(WebMailUI\\)") \
X(AOLWEB2, 0, "(" IP ") by (\\S+) \\(" IP "\\) with HTTP \\(WebMailUI\\)") \
X(SMTPSVC, 0, " SMTPSVC") \
X(SMTPSVC1, 0, "^(\\S*) \\(\\[(" IP ")\\][^\\)]{0,40}\\) by (\\S+) with " \
    "Microsoft SMTPSVC") \
X(SMTPSVCPICK, 0, "^mail pickup service by (\\S+) with Microsoft SMTPSVC$") \
X(MSSMTP, 0, " with (?:Microsoft SMTP Server|mapi id) (?:\\([^\\)]+\\) )?" \
    "\\d+\\.\\d+\\.\\d+\\.\\d+(?:$| )") \
X(MSSMTP1, 0, "^(\\S+) \\(\\[?(" IP ")(?:%[A-Z0-9._~-]*)?\\]?\\) by (\\S+) ") \
X(XMAIL, 0, "\\[XMail ") \
X(XMAIL1, 0, "^(\\S+) \\((\\[?" IP "\\]?)(?::\\d+)\\) by (\\S+)" \
    "(?: \\(\\S+\\))? with \\[XMail") \
X(XMAILID, 0, " id <(\\S+)>") \
X(XMAILFROM, 0, " from <(\\S+)>") \
X(ECEL, 0, "\\(ecelerity\\b") \
X(ECEL1, 0, "^\\(\\[(" IP "):\\d+\\] helo=(\\S+)\\) by (\\S+) ") \
X(ECEL2, 0, "^\\S+ \\(\\[(" IP "):\\d+\\]\\) by (\\S+) ") \
X(EXIM, 0, "Exim") \
X(EXIMLOCAL, 0, "\\bwith local(?:-\\S+)? ") \
X(EXIM1, 0, "^\\[(" IP ")\\] \\((.*?)\\) by (\\S+) ") \
X(SUBHELO, 0, "helo=(\\S+)") \
X(SUBIDENT, 0, "ident=(\\S*)") \
X(EXIM2, 0, "^(\\S+) \\(\\[(" IP ")\\](.*?)\\) by (\\S+) ") \
X(EXIM3, 0, "^(\\S+) \\[(" IP ")\\](:\\d+)? by (\\S+) ") \
X(EXIM4A, 0, "^(\\S+) ") \
X(EXIM4B, 0, " \\((\\S+)\\) ") \
X(EXIM4C, 0, " \\[(" IP ")(?:\\.\\d+)?\\] ") \
X(EXIM4D, 0, "by (\\S+) ") \
X(POSTFIX, 0, " \\(Postfix\\) with") \
X(POSTFIX1, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ") \
X(POSTFIX2, 0, "^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ") \
X(SCALIX, 0, "\\(Scalix SMTP Relay") \
X(SCALIX1, 0, "^(\\S+) \\( ?(" IP ")\\) by (\\S+)") \
X(DOMINO, 0, " \\(Lotus Domino ") \
X(DOMINO1, 0, "^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(Lotus") \
X(WITHHTTP, 0, "\\bwith HTTP\\b") \
X(HTTP1, 0, "^(" IP ") \\(\\[" IP "\\]\\) by (\\S+)") \
X(QMAILLDAP, 0, " by \\S+ \\(qmail-\\S+\\) with ") \
X(SENDMAIL1, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\].*\\) by (\\S+) \\(") \
X(IDENTPFX, 0, "^IDENT:([^\\@]*)\\@") \
X(USERPFX, 0, "^([^\\@]*)\\@") \
X(EXCH55, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with \\S+ \\(") \
X(HELOEQ2, 0, "^(\\S+) \\(\\[(" IP ")\\] helo=(\\S+)\\) by (\\S+) with ") \
X(ATTBI1, 0, "^(\\S+) \\(<unknown\\S*>\\[(" IP ")\\]\\) by (\\S+) ") \
X(ATTBI2, 0, "^(\\S+) \\((\\S+\\.\\S+)\\[(" IP ")\\]\\) by (\\S+) ") \
X(IDENTAT, 0, "^(\\S+) \\((\\S*)\\@\\[(" IP ")\\].*\\) by (\\S+) \\(") \
X(HOTMAILMSN, 0, "by (\\S+\\.hotmail\\.msn\\.com) ") \
X(IPSTART, 0, "^(" IP ") ") \
X(QPSMTPD, 0, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((" IP ")\\) by " \
    "(\\S+) \\(qpsmtpd\\/\\S+\\) with (?:ESMTP|SMTP)") \
X(LHLO, 0, "^(\\S+) \\(LHLO (\\S*)\\) \\((" IP ")\\) by (\\S+) with LMTP") \
X(GMX2, 0, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\[(" IP ")\\] by (\\S+) " \
    "\\([^\\)]+\\) with (?:ESMTP|SMTP)") \
X(SMTPDFOR, 0, "^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) via smtpd " \
    "\\(for \\S+\\) with SMTP\\(") \
X(QMAIL, 0, "^\\S+( \\((?:HELO|EHLO) \\S*\\))? \\((\\S+\\@)?\\[?" IP \
    "\\]?\\)( \\(envelope-sender <\\S+>\\))? by \\S+( \\(.+\\))* with " \
    "(.* )?(SMTP|QMQP)(?! id )") \
X(QMAIL1, 0, "^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\((\\S*)\\@\\[?(" \
    IP ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)") \
X(QMAIL2, 0, "^(\\S+) \\((?:HELO|EHLO) ([^ \\(\\)]*)\\) \\(\\[?(" IP \
    ")\\]?\\)( \\(envelope-sender <\\S+>\\))? by (\\S+)") \
X(QMAIL3, 0, "^(\\S+) \\((\\S*)\\@\\[?(" IP ")\\]?\\)" \
    "( \\(envelope-sender <\\S+>\\))? by (\\S+)") \
X(QMAIL4, 0, "^(\\S+) \\(\\[?(" IP ")\\]?\\)" \
    "( \\(envelope-sender <\\S+>\\))? by (\\S+)") \
X(VIAHTTPEND, 0, " via HTTP$") \
X(VIAHTTP, 0, "^\\[(" IP ")\\] by (\\S+) via HTTP$") \
X(SPBRACKET, 0, "^(\\S+) \\( \\[(" IP ")\\]\\).*? by (\\S+) ") \
X(PARENIP, 0, "^\\((\\S+) \\[(" IP ")\\]\\) by (\\S+) ") \
X(BRIPBY, 0, "^\\[(" IP ")\\] by (\\S+) ") \
X(PARBRIP, 0, "^\\(\\[?(" IP ")\\]?\\) by (\\S+) ") \
X(MDAEMON, 0, "^(\\S+) \\[(" IP ")\\] by (\\S+) \\[" IP "\\] with ") \
X(MDAEMON2, 0, "^(\\S+) \\[\\((" IP ")\\)\\] by (\\S+) \\(" IP "\\) ") \
X(SENDMAIL2, 0, "^(\\S+) \\(\\[(" IP ")\\]\\) by (\\S+) \\(") \
X(SENDMAIL3, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\).*? by (\\S+)\\b") \
X(INTERNAP, 0, "^(\\S+) \\(\\[(" IP ")(?:[.:]\\d+)?\\]\\).*? by (\\S+) ") \
X(SENDMAIL4, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\)" \
    "(?: \\(authenticated bits=\\d+\\))? by (\\S+) \\(") \
X(POPIMAP, 0, "with (?:POP3|IMAP)") \
X(QMAILISH1, 0, "^(\\S+) \\((?:HELO|EHLO) ([^\\)]*)\\) \\((\\S*@)?\\[?(" \
    IP ")\\]?\\).* by (\\S+) ") \
X(QMAILISH2, 0, "^(\\S+) \\((\\S*@)?\\[?(" IP ")\\]?\\).* by (\\S+) ") \
X(HTTPFOR0, 0, " with http for ") \
X(HTTPFOR, 0, "^\\[(" IP ")\\] by (\\S+) with http for ") \
X(SMAP0, 0, " via smap ") \
X(SMAP1, 0, "^(\\S+)\\((" IP ")\\) by (\\S+) via smap ") \
X(SMAP2, 0, "^(\\S+)\\((" IP "), (?:HELO|EHLO) (\\S*)\\) by (\\S+) " \
    "via smap ") \
X(POST0, 0, " \\(Post") \
X(POST1, 0, "^\\[(" IP ")\\] by (\\S+) \\(Post") \
X(ARGO0, 0, " \\(ArGoSoft") \
X(ARGO1, 0, "^\\[(" IP ")\\] by (\\S+) \\(ArGoSoft") \
X(SMTPL, 0, "^(" IP ") by (\\S+) \\((?:SMTPL|InterScan)\\b") \
X(BSMTP0, 0, " with BSMTP") \
X(BSMTP, 0, "^\\S+ by \\S+ with BSMTP") \
X(SPIKE, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) by (\\S+) with ") \
X(YAHOOPLAIN, 0, "^(\\S+) \\((?:HELO|EHLO) (\\S*)\\) \\((?:(\\S+)\\@)?(" \
    IP ").*?\\) by (\\S+) with ") \
X(CGP1, 0, "^\\[(" IP ")\\] \\((?:account \\S+ )?(?:HELO|EHLO) (\\S*)\\) " \
    "by (\\S+) \\(") \
X(CGP20, 0, " \\(CommuniGate Pro") \
X(CGP2, 0, "^(\\S+) \\(\\[(" IP ")\\] verified\\) by (\\S+) \\(") \
X(CIPHERTRUST, 0, "^\\(\\[(" IP ")\\]\\) by (\\S+) with ") \
X(IRONPORT, 0, "^([^\\d]\\S+) \\((" IP ")\\) by (\\S+) ") \
X(CONTENTTECH, 0, "^\\S+ \\(\\S+\\) by \\S+ \\(Content Technologies ") \
X(BLS, 0, "^(\\S+) \\(\\[(" IP ")\\] \\[(\\S+)\\]\\) by (\\S+) with ") \
X(TUMBLE, 0, "^(" IP ") by (\\S+) with ") \
X(POBOX, 0, "^(\\S+) \\((\\S+)\\[(" IP ")\\]\\) by (\\S+) ") \
X(FSECURE, 0, "^\\[(" IP ")\\]\\S+ \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ") \
X(ALTAVISTA, 0, "^(" IP ") \\((?:HELO|EHLO) (\\S*)\\) by (\\S+) ") \
X(SMTPD32, 0, "^(\\S+) \\[(" IP ")\\] by (\\S+) ") \
X(CSMAP, 0, "^(\\S+)\\((" IP ")\\) by (\\S+) ") \
X(MAILGATE, 0, "^\\[(" IP ")\\] by (\\S+) \\(MailGate ") \
X(UNVERIFIED, 0, "^(\\S+) \\(unverified \\[(" IP ")\\]\\) by (\\S+) ") \
X(PROXYING, 0, "^(" IP ") \\([A-Za-z][^\\)]+\\) by (\\S+) with ") \
X(BRSUB, 0, "^\\[(" IP ")\\] \\(([^\\)]+)\\) by (\\S+) ") \
X(KDE, 0, "^(\\S+) \\((?:\\S+\\@)?(" IP ")\\) by (\\S+) with ") \
X(OBTUSE, 0, "^(\\S+)\\((" IP ")\\)(?:, claiming to be \"(\\S+)\")? " \
    "via \\S+ by (\\S+),") \
X(YAHOOLOGIN, 0, "^(\\S+) \\((\\S+)@(" IP ") with login\\) by " \
    "(\\S+\\.yahoo\\.com) with SMTP") \
X(XORIG, 0, "^X-Originating-IP: (" IP ")$") \
X(IGN1, 0, "^\\S+ \\([^\\s\\@]+\\@" LH "\\) by \\S+ \\(") \
X(IGN2, 0, "^\\S+ \\S+ by \\S+ with local-e?smtp ") \
X(IGN3, 0, "^127\\.0\\.0\\.1 \\(AVG SMTP \\S+ \\[\\S+\\]\\)") \
X(IGN4, 0, "^\\S+\\@\\S+ by \\S+ by uid \\S+ ") \
X(IGN5, 0, "^\\S+\\@\\S+ by \\S+ ") \
X(IGN6, 0, "^Unknown\\/Local \\(") \
X(IGN7, 0, "^" LH " \\((?:\\S+\\@)?" LH "[\\)\\[]") \
X(IGN8, 0, "^\\S+ \\((?:\\S+\\@)?" LH "\\) ") \
X(IGN9, 0, "^\\S+ \\(\\S+\\@\\S+ \\[" LH "\\]\\) ") \
X(IGN10, 0, "^\\(AUTH: \\S+\\) by \\S+ with ") \
X(IGN11, 0, "^localhost \\(localhost \\[\\[UNIX: localhost\\]\\]\\) by ") \
X(IGN12, 0, "^\\S+\\.amazon\\.com by \\S+\\.amazon\\.com with ESMTP " \
    "\\(peer crosscheck: ") \
X(IGN13, 0, "^[^\\.]+ by \\S+ with Novell_GroupWise") \
X(IGN14, 0, "^no\\.name\\.available by \\S+ via smtpd \\(for ") \
X(QMSCANNER, 0, "^\\S+ by \\S+ \\(.{0,100}\\) with qmail-scanner") \
X(IGN15, 0, "^\\S+ by \\S+ with local") \
X(IGN16, 0, "^\\S+ \\(\\[unix socket\\]\\) by \\S+ \\(Cyrus " \
    "v[0-9]*?\\.[0-9]*?\\.[0-9]*?\\) with LMTPA") \
X(IGN17, 0, "^\\S+ by \\S+ (?:with|via|for|\\()") \
X(IGN18, 0, "^\\S+ (?:(?:with|via|for) \\S+|\\(unverified\\)) by\\b") \
X(IGN19, 0, "^\\S+ \\(unknown\\) by \\S+ \\(SG\\) with \\b") \
X(IGN20, 0, "^\\S+ \\(\\S+ \\[local\\]\\) by \\S+ \\(OpenSMTPD\\) with \\b") \
X(IGN21, 0, "\\(LSMTP for") \
X(IGN22, 0, "^\\(\\[" LH "\\]\\) with MailEnable ") \
X(IGN23, 0, "^facebook\\.com \\([^\\)]+\\) by facebook\\.com with Thrift " \
    "id \\S+$") \
X(IGN24, 0, "^\\S+ named \\S+ by gmailapi\\.google\\.com with HTTPREST$") \
X(IGN25, 0, "^\\S+ id \\S+$") \
X(IGN26, 0, "^\\[<.*? \\(Jetsend") \
X(HELOGUESS, 0, "^(\\S+)[^-A-Za-z0-9\\.]") \
X(SIMTA, 0, "^(\\S+) \\((\\S+) \\[(" IP ")\\]\\) BY (\\S+) " \
    "(?:\\([^\\)]+\\) WITH SMTP )?ID <?(\\S+?)>?(?: FOR <[^>]+>)?$") \
X(NAVGW, 0, "^(\\S*) \\[(" IP ")\\]\\) by (\\S+) \\(NAVGW .*?\\) with ") \
X(SENDMAILT, 0, "^\\S+\\@localhost\\) by \\S+ ") \
X(JQUEUE, 0, "^[^\\s\\@]+\\@[^)]+\\) by \\S+\\(jqueuemail\\) id [^\\s;]+") \
X(BRIPANY, 0, "\\[(" IP ")\\]") \
X(MAPPED, 1, "^0*:0*:(?:0*:)*ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$") \
X(PRIVATE, 0, "^" PRIV) \
X(ISPRIVATE, 0, "^" PRIV "$") \
X(ISV4, 0, "^\\b" V4 "\\b$") \
X(ANYIP, 0, IP) \
X(NUMHELO, 1, "\\bhelo=(\\b" V4 "\\b)(?=[\\x00-\\x20,;\\[()<>]|\\z)") \
X(BYDOMAIN, 0, "^\\w+(?:[\\w.-]+\\.)+\\w+$") \
X(DOTQUAD, 0, "^(\\d+\\.\\d+)\\.\\d+\\.\\d+$") \
X(DOTCOM, 1, "(?:\\.|^)(lycos\\.com|lycos\\.co\\.uk|hotmail\\.com|" \
    "localhost\\.com|excite\\.com|caramail\\.com|cs\\.com|aol\\.com|" \
    "msn\\.com|yahoo\\.com|drizzle\\.com)$") \
X(LOCALHOSTNAME, 0, "^localhost(?:\\.localdomain)?$") \
X(AOLRLY, 1, " rly-[a-z][a-z]\\d\\d\\.") \
X(AOLRLY2, 0, "\\/AOL-\\d+\\.\\d+\\.\\d+\\)") \
X(AOLRLY3, 0, "ESMTP id (?:RELAY|MAILRELAY|MAILIN)") \
X(EZMLM, 0, "^contact \\S+\\@\\S+\\; run by ezmlm$") \
X(EZMLMDT, 2, "^mailing list \\S+\\@\\S+") \
X(EZMLMRCVD, 0, "qmail \\d+ invoked (?:from network|by .{3,20})\\); " \
    "\\d+ ... \\d+") \
X(MSNGROUPS, 0, "from groups\\.msn\\.com \\(\\S+\\.msn\\.com ") \
X(HMPICKUP, 0, "from mail pickup service by hotmail\\.com with Microsoft " \
    "SMTPSVC;") \
X(HMORIG, 0, "hotmail\\.com|msonline\\-outlook") \
X(HM1, 0, "from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?\\.com" \
    "[ \\)]") \
X(HM2, 0, "from \\S*\\.outbound\\.protection\\.outlook\\.com \\(\\S+" \
    "\\.outbound\\.protection\\.outlook\\.com[ \\)]") \
X(HM3, 0, "from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" IP \
    "\\)") \
X(HM4, 0, "from \\S*\\.hotmail.com \\(\\[" IP "\\][ \\):]") \
X(HM5, 0, "from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP\\;") \
X(HM6, 0, "from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com") \
X(HM7, 0, "(?:from |HELO |helo=)\\S*hotmail\\.com\\b") \
X(HMFROM, 1, "\\bhotmail\\.com$") \
X(MSNTO, 1, "<(\\S+)\\@groups\\.msn\\.com>") \
X(MSNPICKUP, 0, "from mail pickup service by ((?:p\\d\\d\\.)groups\\.msn" \
    "\\.com)\\b") \
X(EUDORAFROM, 1, "\\beudoramail\\.com$") \
X(EUDORABY, 0, "by \\S*whowhere.com\\;") \
X(YAHOOFROM, 1, "\\byahoo\\.com$") \
X(YAHOOTR, 0, " rdns=\\S+\\.yahoo\\.com ") \
X(YAHOOUN, 0, "^[^\\]]+ rdns=\\S+\\.yahoo\\.com ") \
X(YAHOO1, 0, "by web\\S+\\.mail\\S*\\.yahoo\\.com via HTTP") \
X(YAHOO2, 0, "by sonic\\S+\\.consmr\\.mail\\S*\\.yahoo\\.com with HTTP") \
X(YAHOO3, 0, "by smtp\\S+\\.yahoo\\.com with SMTP") \
X(YAHOO4, 0, "from \\[" IP "\\] by \\S+\\.(?:groups|scd|dcn)\\.yahoo\\.com " \
    "with NNFMP") \
X(YAHOO5, 0, "\\bmailer\\d+\\.bulk\\.scd\\.yahoo\\.com\\b") \
X(YAHOO5F, 1, "\\@reply\\.yahoo\\.com$") \
X(YAHOO6, 0, "by \\w+\\.\\w+\\.yahoo\\.com \\(\\d+\\.\\d+\\.\\d+\\/\\d+" \
    "\\.\\d+\\.\\d+\\)(?: with ESMTP)? id \\w+") \
X(JUNOFROM, 1, "\\bjuno\\.com$") \
X(JUNO1, 0, "from.*\\b(?:juno|untd)\\.com.*[\\[\\(]" IP "[\\]\\)].*by") \
X(JUNO2, 0, " cookie\\.(?:juno|untd)\\.com ") \
X(JUNO3, 0, "from.*\\bmail\\.com.*\\[" IP "\\].*by") \
X(JUNO4, 0, "\\bmail\\.com") \
X(JUNO5, 0, "from (webmail\\S+\\.untd\\.com) \\(\\1 \\[" IP "\\]\\) by") \
X(JUNO6, 0, "^Webmail Version \\d") \
X(GMAILFROM, 1, "\\bgmail\\.com$") \
X(GMAILX1, 0, "by 10\\.\\S+ with SMTP id \\S+") \
X(GMAILX2, 0, "by 2002\\:a\\d\\d\\:\\w+\\:\\S+ with SMTP id \\S+") \
X(GMAILX3, 0, "by smtp\\.googlemail\\.com with ESMTPSA id \\S+")

enum {
#define X(name, flags, pat) P_##name,
	PATTERNS
#undef X
	P_COUNT
};

static const struct {
	const char	*name;
	int		 flags;		/* 1: caseless, 2: multiline */
	const char	*pat;
} pat_src[P_COUNT] = {
#define X(name, flags, pat) { #name, flags, pat },
	PATTERNS
#undef X
};

static pcre2_code *pat_re[P_COUNT];
static pcre2_match_context *pat_mctx;
static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

/* pat_init - compile the patterns once (JIT where available) */
static void
pat_init(void)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	uint32_t opt;
	int i, err;

	for (i = 0; i < P_COUNT; i++) {
		opt = 0;
		if (pat_src[i].flags & 1)
			opt |= PCRE2_CASELESS;
		if (pat_src[i].flags & 2)
			opt |= PCRE2_MULTILINE;
		pat_re[i] = pcre2_compile((PCRE2_SPTR)pat_src[i].pat,
		    PCRE2_ZERO_TERMINATED, opt, &err, &off, NULL);
		if (pat_re[i] == NULL) {
			pcre2_get_error_message(err, msg, sizeof(msg));
			log_panic("%s: pattern %s at %zu: %s", __func__,
			    pat_src[i].name, (size_t)off, (char *)msg);
		}
		(void)pcre2_jit_compile(pat_re[i], PCRE2_JIT_COMPLETE);
	}
	pat_mctx = pcre2_match_context_create(NULL);
	if (pat_mctx == NULL)
		log_panic("%s: out of memory", __func__);
	pcre2_set_match_limit(pat_mctx, RELAYS_MATCH_LIMIT);
	pcre2_set_depth_limit(pat_mctx, RELAYS_DEPTH_LIMIT);
}

/* one match: the subject and the captures of the last success */
struct rx {
	pcre2_match_data *md;
	const char	*s;
	PCRE2_SIZE	*ov;
	int		 rc;
};

/* rx_open - a match state for one caller */
static void
rx_open(struct rx *x)
{
	pthread_once(&pat_once, pat_init);
	x->md = pcre2_match_data_create(20, NULL);
	if (x->md == NULL)
		log_panic("%s: out of memory", __func__);
	x->ov = pcre2_get_ovector_pointer(x->md);
	x->s = NULL;
	x->rc = 0;
}

/* rx_close - free a match state */
static void
rx_close(struct rx *x)
{
	pcre2_match_data_free(x->md);
}

/* rxm - does pattern id match s (a NUL-ended string) */
static int
rxm(struct rx *x, int id, const char *s)
{
	x->s = s;
	x->rc = pcre2_match(pat_re[id], (PCRE2_SPTR)s, strlen(s), 0, 0,
	    x->md, pat_mctx);
	return x->rc > 0;
}

/* rx_set - was group n of the last match set */
static int
rx_set(const struct rx *x, int n)
{
	return n < x->rc && x->ov[2 * n] != PCRE2_UNSET;
}

/* rxg - group n of the last match, a new string ("" when unset) */
static char *
rxg(const struct rx *x, int n)
{
	if (!rx_set(x, n))
		return xstrdup("");
	return xstrndup(x->s + x->ov[2 * n], x->ov[2 * n + 1] - x->ov[2 * n]);
}

/* put - replace a field's string, freeing the old one */
static void
put(char **dst, char *src)
{
	free(*dst);
	*dst = src;
}

/* rx_cut - remove the whole match of the last success from a string
 * (Perl's s/re//, first occurrence) */
static void
rx_cut(const struct rx *x, char *s)
{
	size_t a = x->ov[0], b = x->ov[1];

	memmove(s + a, s + b, strlen(s + b) + 1);
}

/* the fields of one line being parsed */
struct line {
	char	*ip, *helo, *rdns, *by, *id, *ident, *auth, *envfrom;
	int	 looked_up;		/* $mta_looked_up_dns */
};

/* the state carried from line to line */
struct pstate {
	char	*qms_envfrom;		/* qmail-scanner hack */
	int	 allow_fetch;		/* allow_mailfetch_markers */
	int	 fetch_reset;		/* a fetcher marker said: restart */
};

/* is_space - Perl's \s on bytes */
static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* perl_true - a string's truth in Perl: not "" and not "0" */
static int
perl_true(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, "0") != 0;
}

/* squeeze - s/\s+/ /g; s/^ //; s/ $//; 1 while s/\s?;$// */
static char *
squeeze(const char *in)
{
	size_t n = strlen(in), i, o = 0;
	char *s;

	if (n > RELAYS_LINE_MAX)
		n = RELAYS_LINE_MAX;
	s = xmalloc(n + 2);
	for (i = 0; i < n; i++) {
		if (is_space((unsigned char)in[i])) {
			while (i + 1 < n && is_space((unsigned char)in[i + 1]))
				i++;
			s[o++] = ' ';
		} else
			s[o++] = in[i];
	}
	s[o] = '\0';
	if (s[0] == ' ')
		memmove(s, s + 1, o--);
	if (o > 0 && s[o - 1] == ' ')
		s[--o] = '\0';
	while (o > 0 && s[o - 1] == ';') {
		s[--o] = '\0';
		if (o > 0 && s[o - 1] == ' ')
			s[--o] = '\0';
	}
	return s;
}

/* strip_chars - Received.pm's invalid characters become '!' */
static void
strip_chars(char *s)
{
	for (; *s != '\0'; s++)
		if (is_space((unsigned char)*s) || strchr("#[]()<>|", *s) != NULL)
			*s = '!';
}

/* clean_envfrom - leading "<"s and trailing ">"s off, then strip_chars */
static void
clean_envfrom(char *s)
{
	size_t n;
	char *p = s;

	while (is_space((unsigned char)*p))
		p++;
	while (*p == '<')
		p++;
	memmove(s, p, strlen(p) + 1);
	n = strlen(s);
	while (n > 0 && is_space((unsigned char)s[n - 1]))
		n--;
	while (n > 0 && s[n - 1] == '>')
		n--;
	s[n] = '\0';
	strip_chars(s);
}

/* fetcher - a POP/IMAP fetch marker: forget the relays seen so far
 * while still in the trusted part (found_pop_fetcher_sig) */
static void
fetcher(struct pstate *st)
{
	if (st->allow_fetch)
		st->fetch_reset = 1;
}

/* sub_fields - helo= and ident= out of an Exim comment */
static void
sub_fields(struct rx *x, char *sub, struct line *l)
{
	struct rx y;

	y.md = x->md;
	y.ov = x->ov;
	if (rxm(&y, P_SUBHELO, sub)) {
		put(&l->helo, rxg(&y, 1));
		rx_cut(&y, sub);
	}
	if (rxm(&y, P_SUBIDENT, sub)) {
		put(&l->ident, rxg(&y, 1));
		rx_cut(&y, sub);
	}
}

/*
 * parse_line - one Received header into l: 1 parsed, 0 skipped (a
 * format known to carry nothing useful), -1 unparseable
 */
static int
parse_line(struct rx *x, const char *raw, struct line *l, struct pstate *st)
{
	char *buf, *s, *t, *sub;
	int r = -1;

	buf = squeeze(raw);
	s = buf;
	if (!rxm(x, P_FROMSTART, s) || rxm(x, P_WITHLOCALFOR, s))
		goto skip;
	if (rxm(x, P_FROMBYSEMI, s)) {
		t = rxg(x, 1);
		r = rxm(x, P_BRACKETDOTS, t);
		free(t);
		if (!r)
			goto skip;
		r = -1;
	}
	if (rxm(x, P_DATE, s))
		s[x->ov[0]] = '\0';
	if ((t = strstr(s, ")by ")) != NULL) {
		size_t at = (size_t)(t - s) + 1, n = strlen(s);

		s = buf = xrealloc(buf, n + 2);
		memmove(s + at + 1, s + at, n - at + 1);
		s[at] = ' ';
	}

	if (rxm(x, P_ID, s))
		put(&l->id, rxg(x, 1));
	if (rxm(x, P_HELOEQ, s) || rxm(x, P_HELOKW, s))
		put(&l->helo, rxg(x, 1));
	if (rxm(x, P_BY, s))
		put(&l->by, rxg(x, 1));

	if (rxm(x, P_SPBYSP, s) && rxm(x, P_AUTHWITH, s))
		put(&l->auth, rxg(x, 1));
	else if (rxm(x, P_GMAIL1, s) && rxm(x, P_GMAIL2, s)) {
		struct buf a = BUF_INIT;
		char *v = rxg(x, 1), *c = rxg(x, 2);

		buf_addf(&a, "GMail - transport=%s cipher=%s", v, c);
		free(v);
		free(c);
		put(&l->auth, buf_steal(&a));
	} else if (rxm(x, P_COURIER, s))
		put(&l->auth, rxg(x, 1));
	else if (rxm(x, P_AUTHED, s) && rxm(x, P_SENDMAILAUTH, s))
		put(&l->auth, xstrdup("Sendmail"));
	else if (rxm(x, P_GMX, s)) {
		struct buf a = BUF_INIT;
		char *p = rxg(x, 4), *h = rxg(x, 3);

		buf_addf(&a, "GMX (%s / %s)", p, h);
		free(p);
		free(h);
		put(&l->auth, buf_steal(&a));
	} else if (rxm(x, P_CP1, s) && rxm(x, P_CP2, s))
		put(&l->auth, xstrdup("CriticalPath"));
	else if (rxm(x, P_PFXAUTH, s)) {
		char *n = rxg(x, 1);

		if (strcmp(n, "Postfix") == 0)
			put(&l->auth, n);
		else {
			struct buf a = BUF_INIT;

			buf_addf(&a, "Postfix (%s)", n);
			free(n);
			put(&l->auth, buf_steal(&a));
		}
	} else if (rxm(x, P_CGPAUTH1, s) && rxm(x, P_CGPAUTH2, s))
		put(&l->auth, xstrdup("Communigate"));
	else if (rxm(x, P_DAV, s))
		put(&l->auth, xstrdup("HTTP-DAV"));
	else if (rxm(x, P_SPBYSP, s) && rxm(x, P_VIAHTTPAUTH, s))
		put(&l->auth, rxg(x, 1));

	if (strncmp(s, "from ", 5) == 0) {
		s += 5;
		if (rxm(x, P_ENVFROM, s))
			put(&l->envfrom, rxg(x, 1));

		if (rxm(x, P_SQUIRREL, s) && rxm(x, P_SQUIRREL2, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_AOLCOM, s) && rxm(x, P_AOLWEB, s) &&
		    rxm(x, P_AOLWEB2, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}

		if (rxm(x, P_SMTPSVC, s)) {
			if (rxm(x, P_SMTPSVC1, s)) {
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				goto enough;
			}
			if (rxm(x, P_SMTPSVCPICK, s))
				goto skip;
		} else if (rxm(x, P_MSSMTP, s)) {
			if (rxm(x, P_MSSMTP1, s)) {
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				put(&l->id, xstrdup(""));
				goto enough;
			}
		} else if (rxm(x, P_XMAIL, s)) {
			if (rxm(x, P_XMAIL1, s)) {
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				if (rxm(x, P_XMAILID, s))
					put(&l->id, rxg(x, 1));
				if (rxm(x, P_XMAILFROM, s))
					put(&l->envfrom, rxg(x, 1));
				goto enough;
			}
		} else if (rxm(x, P_ECEL, s)) {
			if (rxm(x, P_ECEL1, s)) {
				put(&l->ip, rxg(x, 1));
				put(&l->helo, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				goto enough;
			}
			if (rxm(x, P_ECEL2, s)) {
				put(&l->ip, rxg(x, 1));
				put(&l->by, rxg(x, 2));
				goto enough;
			}
		} else if (rxm(x, P_EXIM, s)) {
			if (rxm(x, P_EXIMLOCAL, s))
				goto skip;
			if (rxm(x, P_EXIM1, s)) {
				put(&l->ip, rxg(x, 1));
				sub = rxg(x, 2);
				put(&l->by, rxg(x, 3));
				sub_fields(x, sub, l);
				free(sub);
				goto enough;
			}
			if (rxm(x, P_EXIM2, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				sub = rxg(x, 3);
				put(&l->by, rxg(x, 4));
				put(&l->helo, xstrdup(l->rdns));
				sub_fields(x, sub, l);
				free(sub);
				goto enough;
			}
			if (rxm(x, P_EXIM3, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->helo, rxg(x, 1));
				put(&l->by, rxg(x, 4));
				goto enough;
			}
			if (rxm(x, P_EXIM4A, s))
				put(&l->rdns, rxg(x, 1));
			if (rxm(x, P_EXIM4B, s))
				put(&l->helo, rxg(x, 1));
			if (rxm(x, P_EXIM4C, s))
				put(&l->ip, rxg(x, 1));
			if (rxm(x, P_EXIM4D, s)) {
				put(&l->by, rxg(x, 1));
				if (perl_true(l->ip))
					goto enough;
			}
		} else if (rxm(x, P_POSTFIX, s)) {
			if (rxm(x, P_POSTFIX1, s) || rxm(x, P_POSTFIX2, s)) {
				l->looked_up = 1;
				put(&l->helo, rxg(x, 1));
				put(&l->rdns, rxg(x, 2));
				put(&l->ip, rxg(x, 3));
				put(&l->by, rxg(x, 4));
				if (strcmp(l->rdns, "unknown") == 0)
					put(&l->rdns, xstrdup(""));
				goto enough;
			}
		} else if (rxm(x, P_SCALIX, s)) {
			if (rxm(x, P_SCALIX1, s)) {
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				goto enough;
			}
		} else if (rxm(x, P_DOMINO, s)) {
			if (rxm(x, P_DOMINO1, s)) {
				l->looked_up = 0;
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 3));
				goto enough;
			}
		}

		if (rxm(x, P_WITHHTTP, s) && rxm(x, P_HTTP1, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}

		if (!rxm(x, P_QMAILLDAP, s) && rxm(x, P_SENDMAIL1, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			if (rxm(x, P_IDENTPFX, l->rdns)) {
				put(&l->ident, rxg(x, 1));
				rx_cut(x, l->rdns);
			}
			if (rxm(x, P_USERPFX, l->rdns)) {
				put(&l->ident, rxg(x, 1));
				rx_cut(x, l->rdns);
			}
			goto enough;
		}

		if (rxm(x, P_EXCH55, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->helo, rxg(x, 1));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_HELOEQ2, s)) {
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->helo, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_ATTBI1, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_ATTBI2, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_IDENTAT, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			put(&l->ident, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_HOTMAILMSN, s)) {
			put(&l->by, rxg(x, 1));
			if (rxm(x, P_IPSTART, s))
				put(&l->ip, rxg(x, 1));
			goto enough;
		}
		if (rxm(x, P_QPSMTPD, s) || rxm(x, P_LHLO, s) ||
		    rxm(x, P_GMX2, s)) {
			put(&l->rdns, rxg(x, 1));
			put(&l->helo, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_SMTPDFOR, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_QMAIL, s)) {
			if (rxm(x, P_QMAIL1, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->helo, rxg(x, 2));
				put(&l->ident, rxg(x, 3));
				put(&l->ip, rxg(x, 4));
				put(&l->by, rxg(x, 6));
			} else if (rxm(x, P_QMAIL2, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->helo, rxg(x, 2));
				put(&l->ip, rxg(x, 3));
				put(&l->by, rxg(x, 5));
			} else if (rxm(x, P_QMAIL3, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->helo, rxg(x, 1));
				put(&l->ident, rxg(x, 2));
				put(&l->ip, rxg(x, 3));
				put(&l->by, rxg(x, 5));
			} else if (rxm(x, P_QMAIL4, s)) {
				put(&l->rdns, rxg(x, 1));
				put(&l->helo, rxg(x, 1));
				put(&l->ip, rxg(x, 2));
				put(&l->by, rxg(x, 4));
			}
			if (strcmp(l->rdns, "unknown") != 0)
				l->looked_up = 1;
			else
				put(&l->rdns, xstrdup(""));
			goto enough;
		}
		if (rxm(x, P_VIAHTTPEND, s) && rxm(x, P_VIAHTTP, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_SPBRACKET, s)) {
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_PARENIP, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_BRIPBY, s) || rxm(x, P_PARBRIP, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_MDAEMON, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_MDAEMON2, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SENDMAIL2, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SENDMAIL3, s)) {
			char *r2 = rxg(x, 2);

			if (strcmp(r2, "softdnserr") == 0) {
				l->looked_up = 0;
				free(r2);
			} else {
				l->looked_up = 1;
				put(&l->rdns, r2);
			}
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_INTERNAP, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SENDMAIL4, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_POPIMAP, s)) {
			fetcher(st);
			goto skip;
		}
		if (rxm(x, P_QMAILISH1, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->helo, rxg(x, 2));
			put(&l->ident, rxg(x, 3));
			put(&l->ip, rxg(x, 4));
			put(&l->by, rxg(x, 5));
			if (l->ident[0] != '\0' &&
			    l->ident[strlen(l->ident) - 1] == '@')
				l->ident[strlen(l->ident) - 1] = '\0';
			goto enough;
		}
		if (rxm(x, P_QMAILISH2, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->helo, rxg(x, 1));
			put(&l->ident, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			if (l->ident[0] != '\0' &&
			    l->ident[strlen(l->ident) - 1] == '@')
				l->ident[strlen(l->ident) - 1] = '\0';
			goto enough;
		}
		if ((rxm(x, P_HTTPFOR0, s) && rxm(x, P_HTTPFOR, s))) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_SMAP0, s) && rxm(x, P_SMAP1, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SMAP2, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->helo, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if ((rxm(x, P_POST0, s) && rxm(x, P_POST1, s)) ||
		    (rxm(x, P_ARGO0, s) && rxm(x, P_ARGO1, s)) ||
		    rxm(x, P_SMTPL, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_BSMTP0, s) && rxm(x, P_BSMTP, s))
			goto skip;
		if (rxm(x, P_SPIKE, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_YAHOOPLAIN, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->helo, rxg(x, 2));
			put(&l->ip, rxg(x, 4));
			put(&l->by, rxg(x, 5));
			if (rx_set(x, 3))
				put(&l->ident, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_CGP1, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->helo, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_CGP20, s) && rxm(x, P_CGP2, s)) {
			l->looked_up = 1;
			put(&l->rdns, rxg(x, 1));
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_CIPHERTRUST, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_IRONPORT, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_CONTENTTECH, s))
			goto skip;
		if (rxm(x, P_BLS, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_TUMBLE, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_POBOX, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_FSECURE, s) || rxm(x, P_ALTAVISTA, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->helo, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SMTPD32, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_CSMAP, s)) {
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_MAILGATE, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_UNVERIFIED, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_PROXYING, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, rxg(x, 2));
			goto enough;
		}
		if (rxm(x, P_BRSUB, s)) {
			put(&l->ip, rxg(x, 1));
			sub = rxg(x, 2);
			put(&l->by, rxg(x, 3));
			sub_fields(x, sub, l);
			free(sub);
			goto enough;
		}
		if (rxm(x, P_KDE, s)) {
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_OBTUSE, s)) {
			put(&l->rdns, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->helo, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			if (strcmp(l->rdns, "UNKNOWN") != 0)
				l->looked_up = 1;
			goto enough;
		}
		if (rxm(x, P_YAHOOLOGIN, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			goto enough;
		}
		if (rxm(x, P_XORIG, s)) {
			put(&l->ip, rxg(x, 1));
			put(&l->by, xstrdup(""));
			goto enough;
		}

		/* formats that carry nothing we can use */
		if (rxm(x, P_IGN1, s) || rxm(x, P_IGN2, s) ||
		    rxm(x, P_IGN3, s) || rxm(x, P_IGN4, s) ||
		    rxm(x, P_IGN5, s) || rxm(x, P_IGN6, s) ||
		    rxm(x, P_IGN7, s) || rxm(x, P_IGN8, s) ||
		    rxm(x, P_IGN9, s) || rxm(x, P_IGN10, s) ||
		    rxm(x, P_IGN11, s) || rxm(x, P_IGN12, s) ||
		    rxm(x, P_IGN13, s) || rxm(x, P_IGN14, s))
			goto skip;
		if (rxm(x, P_QMSCANNER, s)) {
			if (l->envfrom != NULL)
				clean_envfrom(l->envfrom);
			put(&st->qms_envfrom, l->envfrom);
			l->envfrom = NULL;
			goto skip;
		}
		if (rxm(x, P_IGN15, s) || rxm(x, P_IGN16, s) ||
		    rxm(x, P_IGN17, s) || rxm(x, P_IGN18, s) ||
		    rxm(x, P_IGN19, s) || rxm(x, P_IGN20, s) ||
		    rxm(x, P_IGN21, s) || rxm(x, P_IGN22, s) ||
		    rxm(x, P_IGN23, s) || rxm(x, P_IGN24, s) ||
		    rxm(x, P_IGN25, s) || rxm(x, P_IGN26, s))
			goto skip;

		if (!perl_true(l->helo) && rxm(x, P_HELOGUESS, s))
			put(&l->helo, rxg(x, 1));
	} else if (strncmp(s, "FROM ", 5) == 0) {
		s += 5;
		if (rxm(x, P_SIMTA, s)) {
			l->looked_up = 1;
			put(&l->helo, rxg(x, 1));
			put(&l->rdns, rxg(x, 2));
			put(&l->ip, rxg(x, 3));
			put(&l->by, rxg(x, 4));
			put(&l->id, rxg(x, 5));
			if (strcmp(l->rdns, "unverified") == 0)
				put(&l->rdns, xstrdup(""));
			goto enough;
		}
	} else if (strncmp(s, "(from ", 6) == 0) {
		s += 6;
		if (rxm(x, P_NAVGW, s)) {
			put(&l->helo, rxg(x, 1));
			put(&l->ip, rxg(x, 2));
			put(&l->by, rxg(x, 3));
			goto enough;
		}
		if (rxm(x, P_SENDMAILT, s) || rxm(x, P_JQUEUE, s))
			goto skip;
	}

	if (l->ip[0] == '\0' && rxm(x, P_BRIPANY, s))
		put(&l->ip, rxg(x, 1));
	if (perl_true(l->ip) && perl_true(l->by))
		goto enough;
	free(buf);
	return -1;

enough:
	r = 1;
	t = l->rdns + strlen(l->rdns);
	while (t > l->rdns && t[-1] == '.')
		*--t = '\0';
	if (strcasecmp(l->rdns, "unknown") == 0 || l->rdns[0] == '[')
		l->rdns[0] = '\0';
	if (strncasecmp(l->ip, "ipv6:", 5) == 0)
		memmove(l->ip, l->ip + 5, strlen(l->ip + 5) + 1);
	if (l->ip[0] == '[')
		memmove(l->ip, l->ip + 1, strlen(l->ip));
	if (l->ip[0] != '\0' && l->ip[strlen(l->ip) - 1] == ']')
		l->ip[strlen(l->ip) - 1] = '\0';
	if ((t = strrchr(l->ip, '%')) != NULL &&
	    strspn(t + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._~-") == strlen(t + 1))
		*t = '\0';
	if (rxm(x, P_MAPPED, l->ip))
		put(&l->ip, rxg(x, 1));
	if (l->by[0] != '\0' && l->by[strlen(l->by) - 1] == ';')
		l->by[strlen(l->by) - 1] = '\0';
	strip_chars(l->ip);
	strip_chars(l->rdns);
	strip_chars(l->helo);
	strip_chars(l->by);
	strip_chars(l->ident);
	if (l->envfrom != NULL)
		clean_envfrom(l->envfrom);
	free(buf);
	return r;

skip:
	free(buf);
	return 0;
}

/* line_init - empty fields */
static void
line_init(struct line *l)
{
	l->ip = xstrdup("");
	l->helo = xstrdup("");
	l->rdns = xstrdup("");
	l->by = xstrdup("");
	l->id = xstrdup("");
	l->ident = xstrdup("");
	l->auth = xstrdup("");
	l->envfrom = NULL;
	l->looked_up = 0;
}

/* line_free - free what the fields hold */
static void
line_free(struct line *l)
{
	free(l->ip);
	free(l->helo);
	free(l->rdns);
	free(l->by);
	free(l->id);
	free(l->ident);
	free(l->auth);
	free(l->envfrom);
}

/* relay_clear - free one relay's strings */
static void
relay_clear(struct relay *r)
{
	free(r->ip);
	free(r->by);
	free(r->helo);
	free(r->rdns);
	free(r->ident);
	free(r->envfrom);
	free(r->id);
	free(r->auth);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------- */
/* networks */

/* parse_addr - an IPv4 or IPv6 address into 16 bytes (IPv4 mapped);
 * 1 for IPv4, 2 for IPv6, 0 when it is no address */
static int
parse_addr(const char *s, unsigned char a[16])
{
	struct in_addr v4;
	char tmp[64];
	size_t n;
	const char *p;

	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	n = strlen(s);
	if (n > 0 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if ((p = memchr(s, '%', n)) != NULL)
		n = (size_t)(p - s);
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, &v4) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &v4, 4);
		return 1;
	}
	if (inet_pton(AF_INET6, tmp, a) == 1)
		return 2;
	return 0;
}

/* prefix_eq - do a and b agree on their first bits bits */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* net_push - append one block */
static void
net_push(struct relays_netset *ns, const unsigned char a[16], int bits,
    int exclude)
{
	struct relays_net *n;

	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->net = xreallocarray(ns->net, (size_t)ns->cap,
		    sizeof(*ns->net));
	}
	n = &ns->net[ns->n++];
	memcpy(n->addr, a, 16);
	n->bits = bits;
	n->exclude = exclude;
}

/*
 * relays_netset_add - add NetSet entries from a list separated by
 * spaces or commas: "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0",
 * "1.2.3." (a /24), "1.2/16", "10/8", "[2001:db8::]/32", "!net"
 * excludes (ranges "a-b" are refused); 0, or -1 with a message in err
 * (entries before the bad one stay)
 */
int
relays_netset_add(struct relays_netset *ns, const char *list, struct buf *err)
{
	const char *p = list, *e;
	char tok[128], *slash, *q;
	unsigned char a[16];
	int excl, bits, kind, parts, oct[4], i;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\n')
			p++;
		if (*p == '\0')
			return 0;
		e = p + strcspn(p, " \t,\n");
		if ((size_t)(e - p) >= sizeof(tok))
			goto bad;
		memcpy(tok, p, (size_t)(e - p));
		tok[e - p] = '\0';
		q = tok;
		excl = 0;
		if (*q == '!') {
			excl = 1;
			q++;
		}
		bits = -1;
		if ((slash = strchr(q, '/')) != NULL) {
			char *end;
			long v;

			*slash = '\0';
			if (strchr(slash + 1, '.') != NULL) {
				/* an IPv4 netmask: 255.255.0.0 */
				struct in_addr mk;
				uint32_t mask;

				if (inet_pton(AF_INET, slash + 1, &mk) != 1)
					goto bad;
				mask = ntohl(mk.s_addr);
				for (bits = 0; bits < 32 &&
				    (mask & (0x80000000u >> bits)) != 0; bits++)
					;
				if (bits < 32 && (mask << bits) != 0)
					goto bad;
			} else {
				v = strtol(slash + 1, &end, 10);
				if (*end != '\0' || end == slash + 1 || v < 0 ||
				    v > 128)
					goto bad;
				bits = (int)v;
			}
		}
		kind = parse_addr(q, a);
		if (kind == 0 && isdigit((unsigned char)q[0])) {
			/* a partial IPv4 address: "10", "1.2", "1.2.3." */
			const char *c = q;

			for (parts = 0; parts < 4 && *c != '\0'; parts++) {
				char *end;
				long v = strtol(c, &end, 10);

				if (end == c || v > 255)
					goto bad;
				oct[parts] = (int)v;
				c = end;
				if (*c == '.')
					c++;
				else if (*c != '\0')
					goto bad;
			}
			if (*c != '\0' || parts == 0)
				goto bad;
			for (i = parts; i < 4; i++)
				oct[i] = 0;
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
			for (i = 0; i < 4; i++)
				a[12 + i] = (unsigned char)oct[i];
			kind = 1;
			if (bits < 0)
				bits = parts * 8;
		}
		if (kind == 0)
			goto bad;
		if (kind == 1) {
			if (bits < 0)
				bits = 32;
			if (bits > 32)
				goto bad;
			bits += 96;
		} else if (bits < 0)
			bits = 128;
		net_push(ns, a, bits, excl);
		ns->configured = 1;
		p = e;
	}
bad:
	if (err != NULL) {
		buf_reset(err);
		buf_addf(err, "bad network \"%.*s\"", (int)(e - p), p);
	}
	return -1;
}

/*
 * relays_netset_contains - is ip in the set: the most specific block
 * that holds it decides (an exclusion says no), as NetSet's trie
 */
int
relays_netset_contains(const struct relays_netset *ns, const char *ip)
{
	unsigned char a[16];
	int i, best = -1, in = 0;

	if (ns == NULL || parse_addr(ip, a) == 0)
		return 0;
	for (i = 0; i < ns->n; i++) {
		if (ns->net[i].bits > best &&
		    prefix_eq(a, ns->net[i].addr, ns->net[i].bits)) {
			best = ns->net[i].bits;
			in = !ns->net[i].exclude;
		}
	}
	return in;
}

/* loopback - 127/8 and ::1, in every trusted and internal set */
static void
loopback(struct relays_netset *ns)
{
	unsigned char a[16];

	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 127;
	net_push(ns, a, 104, 0);
	memset(a, 0, 16);
	a[15] = 1;
	net_push(ns, a, 128, 0);
}

static const char *const default_orig[] = {
	"X-Yahoo-Post-IP", "X-Originating-IP", "X-Apparently-From",
	"X-SenderIP", "X-AOL-IP",
	"X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp",
};

/*
 * relays_conf_init - no networks configured (loopback only, inference
 * applies) and 10_default_prefs.cf's originating_ip_headers
 */
void
relays_conf_init(struct relays_conf *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	loopback(&c->trusted);
	loopback(&c->internal);
	c->trusted.configured = c->internal.configured = 0;
	for (i = 0; i < sizeof(default_orig) / sizeof(default_orig[0]); i++)
		relays_conf_orig_headers(c, default_orig[i]);
}

/*
 * relays_conf_orig_headers - add originating_ip_headers names (a list
 * separated by spaces; duplicates ignored, case-insensitively); NULL
 * clears the list
 */
void
relays_conf_orig_headers(struct relays_conf *c, const char *names)
{
	const char *p = names, *e;
	int i;

	if (names == NULL) {
		for (i = 0; i < c->norig; i++)
			free(c->orig_hdr[i]);
		free(c->orig_hdr);
		c->orig_hdr = NULL;
		c->norig = 0;
		return;
	}
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return;
		e = p + strcspn(p, " \t");
		for (i = 0; i < c->norig; i++)
			if (strlen(c->orig_hdr[i]) == (size_t)(e - p) &&
			    strncasecmp(c->orig_hdr[i], p, (size_t)(e - p)) == 0)
				break;
		if (i == c->norig) {
			c->orig_hdr = xreallocarray(c->orig_hdr,
			    (size_t)c->norig + 1, sizeof(*c->orig_hdr));
			c->orig_hdr[c->norig++] = xstrndup(p, (size_t)(e - p));
		}
		p = e;
	}
}

/* relays_conf_setting - see relays.h */
int
relays_conf_setting(struct relays_conf *c, const char *key,
    const char *value, struct buf *err)
{
	static const struct {
		const char	*name;
		size_t		 off;
		int		 loop;
	} sets[] = {
		{ "trusted_networks", offsetof(struct relays_conf, trusted), 1 },
		{ "internal_networks", offsetof(struct relays_conf, internal),
		    1 },
		{ "msa_networks", offsetof(struct relays_conf, msa), 0 },
	};
	struct relays_netset *ns;
	size_t i;
	int clear;

	if (value == NULL)
		value = "";
	if (strcasecmp(key, "originating_ip_headers") == 0) {
		if (value[strspn(value, " \t")] == '\0')
			goto missing;
		relays_conf_orig_headers(c, value);
		return 1;
	}
	if (strcasecmp(key, "clear_originating_ip_headers") == 0) {
		relays_conf_orig_headers(c, NULL);
		return 1;
	}
	clear = strncasecmp(key, "clear_", 6) == 0;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (strcasecmp(key + (clear ? 6 : 0), sets[i].name) != 0)
			continue;
		ns = (struct relays_netset *)((char *)c + sets[i].off);
		if (clear) {
			ns->n = 0;
			ns->configured = 0;
			if (sets[i].loop)
				loopback(ns);
			return 1;
		}
		if (value[strspn(value, " \t")] == '\0')
			goto missing;
		return relays_netset_add(ns, value, err) == 0 ? 1 : -1;
	}
	return 0;
missing:
	if (err != NULL) {
		buf_reset(err);
		buf_addf(err, "%s: a value is required", key);
	}
	return -1;
}

/* relays_conf_free - free the lists */
void
relays_conf_free(struct relays_conf *c)
{
	free(c->trusted.net);
	free(c->internal.net);
	free(c->msa.net);
	relays_conf_orig_headers(c, NULL);
	memset(c, 0, sizeof(*c));
}

/* relays_ip_private - is ip reserved/private (Constants.pm IP_PRIVATE) */
int
relays_ip_private(const char *ip)
{
	struct rx x;
	int r;

	rx_open(&x);
	r = rxm(&x, P_PRIVATE, ip);
	rx_close(&x);
	return r;
}

/* ---------------------------------------------------------------- */

static struct relays_conf dflt;
static pthread_once_t dflt_once = PTHREAD_ONCE_INIT;

/* dflt_init - the configuration used when the caller gives none */
static void
dflt_init(void)
{
	relays_conf_init(&dflt);
}

/* header_last - the decoded value of the last header name, or NULL */
static const char *
header_last(const struct msgtext *mt, const char *name)
{
	int i;

	for (i = mt->nhdr - 1; i >= 0; i--)
		if (strcasecmp(mt->hdr[i].name, name) == 0)
			return mt->hdr[i].dec;
	return NULL;
}

/*
 * relays_parse - the Received headers of mt (top down), plus the
 * originating IP headers, into rs, trusted/internal by conf
 */
void
relays_parse(struct relays *rs, const struct msgtext *mt,
    const struct relays_conf *conf)
{
	const struct relays_netset *tr = NULL, *in = NULL, *msa = NULL;
	struct pstate st;
	struct line l;
	struct relay *r;
	struct rx x;
	char **lines;
	int nlines = 0, i, infer, in_trusted = 1, in_internal = 1, found_msa = 0;
	int cap = 0, res;

	memset(rs, 0, sizeof(*rs));
	rs->last_trusted_index = rs->last_internal_index = -1;
	if (conf == NULL) {
		pthread_once(&dflt_once, dflt_init);
		conf = &dflt;
	}
	infer = !conf->trusted.configured && !conf->internal.configured;
	if (!infer) {
		tr = conf->trusted.configured ? &conf->trusted : &conf->internal;
		in = conf->internal.configured ? &conf->internal :
		    &conf->trusted;
		msa = &conf->msa;
	}

	rx_open(&x);
	lines = xcalloc((size_t)mt->nhdr + (size_t)conf->norig + 1,
	    sizeof(*lines));
	for (i = 0; i < mt->nhdr && nlines < RELAYS_MAX; i++)
		if (strcasecmp(mt->hdr[i].name, "Received") == 0)
			lines[nlines++] = (char *)mt->hdr[i].dec;
	rs->nreceived = nlines;
	/* originating_ip_headers become synthetic Received lines */
	for (i = 0; i < conf->norig; i++) {
		const char *v = header_last(mt, conf->orig_hdr[i]);
		struct buf b = BUF_INIT;

		if (v == NULL || !rxm(&x, P_ANYIP, v))
			continue;
		buf_adds(&b, "from X-Originating-IP: ");
		buf_add(&b, v + x.ov[0], x.ov[1] - x.ov[0]);
		lines[nlines++] = buf_steal(&b);
	}

	memset(&st, 0, sizeof(st));
	st.allow_fetch = 1;
	for (i = 0; i < nlines; i++) {
		char *qms = st.qms_envfrom;

		st.qms_envfrom = NULL;
		line_init(&l);
		res = parse_line(&x, lines[i], &l, &st);
		if (st.fetch_reset) {
			int k;

			for (k = 0; k < rs->n; k++)
				relay_clear(&rs->r[k]);
			rs->n = rs->ntrusted = rs->ninternal = 0;
			st.fetch_reset = 0;
		}
		if (res < 0)
			rs->unparseable++;
		if (res <= 0) {
			if (in_trusted)
				rs->last_trusted_index++;
			if (in_internal)
				rs->last_internal_index++;
			line_free(&l);
			free(qms);
			continue;
		}
		if (qms != NULL && qms[0] != '\0' && strcmp(qms, "0") != 0) {
			free(l.envfrom);
			l.envfrom = qms;
			qms = NULL;
		}
		free(qms);

		if (rs->n == cap) {
			cap = cap ? cap * 2 : 8;
			rs->r = xreallocarray(rs->r, (size_t)cap, sizeof(*rs->r));
		}
		r = &rs->r[rs->n];
		memset(r, 0, sizeof(*r));
		r->ip = l.ip;
		r->by = l.by;
		r->helo = l.helo;
		r->rdns = l.rdns;
		r->ident = l.ident;
		r->envfrom = l.envfrom;
		r->id = l.id;
		r->auth = l.auth;
		if (r->rdns[0] == '\0') {
			if (l.looked_up)
				r->no_reverse_dns = 1;
			else
				r->rdns_not_in_headers = 1;
		}
		r->ip_private = rxm(&x, P_PRIVATE, r->ip);

		if (in_trusted && !found_msa) {
			if (infer) {
				if (!r->ip_private && !perl_true(r->auth))
					in_trusted = in_internal = 0;
			} else if (!perl_true(r->auth) &&
			    !relays_netset_contains(tr, r->ip)) {
				in_trusted = in_internal = 0;
			} else {
				if (in_internal && !perl_true(r->auth) &&
				    !relays_netset_contains(in, r->ip))
					in_internal = 0;
				if (relays_netset_contains(msa, r->ip)) {
					found_msa = 1;
					r->msa = 1;
				}
			}
		}
		r->internal = in_internal;
		rs->n++;
		if (in_trusted) {
			rs->ntrusted++;
			st.allow_fetch = 1;
			rs->last_trusted_index++;
		} else
			st.allow_fetch = 0;
		if (in_internal) {
			rs->ninternal++;
			rs->last_internal_index++;
		}
	}
	free(st.qms_envfrom);
	for (i = rs->nreceived; i < nlines; i++)
		free(lines[i]);
	free(lines);
	rx_close(&x);
}

/* relays_free - free what relays_parse allocated */
void
relays_free(struct relays *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		relay_clear(&rs->r[i]);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* relay_string - one relay as Received.pm's as_string */
static void
relay_string(const struct relay *r, struct buf *out)
{
	const char *ef = r->envfrom != NULL && strcmp(r->envfrom, "0") != 0 ?
	    r->envfrom : "";

	buf_addf(out, "[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s "
	    "intl=%d id=%s auth=%s msa=%d ]", r->ip, r->rdns, r->helo, r->by,
	    r->ident, ef, r->internal ? 1 : 0, r->id, r->auth, r->msa ? 1 : 0);
}

/* relays_range - relays a..b-1 joined by spaces into out */
static void
relays_range(const struct relays *rs, int a, int b, struct buf *out)
{
	int i;

	for (i = a; i < b; i++) {
		if (i > a)
			buf_addc(out, ' ');
		relay_string(&rs->r[i], out);
	}
}

/*
 * relays_pseudo_header - X-Spam-Relays-Trusted, -Untrusted, -Internal
 * or -External (name case-insensitive) into out (reset first)
 */
const char *
relays_pseudo_header(const struct relays *rs, const char *name,
    struct buf *out)
{
	buf_reset(out);
	if (strncasecmp(name, "X-Spam-Relays-", 14) != 0)
		return NULL;
	name += 14;
	if (strcasecmp(name, "Trusted") == 0)
		relays_range(rs, 0, rs->ntrusted, out);
	else if (strcasecmp(name, "Untrusted") == 0)
		relays_range(rs, rs->ntrusted, rs->n, out);
	else if (strcasecmp(name, "Internal") == 0)
		relays_range(rs, 0, rs->ninternal, out);
	else if (strcasecmp(name, "External") == 0)
		relays_range(rs, rs->ninternal, rs->n, out);
	else
		return NULL;
	buf_addc(out, '\0');
	buf_trunc(out, out->len - 1);
	return out->data;
}

/* relays_envfrom - see relays.h */
const char *
relays_envfrom(const struct relays *rs)
{
	const struct relay *r;
	const char *at;

	if (rs->n > rs->ntrusted)
		r = &rs->r[rs->ntrusted];
	else if (rs->ntrusted > 0)
		r = &rs->r[rs->ntrusted - 1];
	else
		return NULL;
	if (r->envfrom == NULL)
		return NULL;
	at = strchr(r->envfrom, '@');
	if (r->envfrom[0] == '\0' || (at != NULL && at != r->envfrom))
		return r->envfrom;
	return NULL;
}

/* ---------------------------------------------------------------- */
/* evals: RelayEval.pm and the Received tests of HeaderEval.pm */

/* hdr_get - PerMsgStatus get(name) into b: "" when absent; NULL too
 * when absent and want_undef */
static const char *
hdr_get(struct eval_msg *em, const char *name, struct buf *b, int want_undef)
{
	const char *v = msgtext_header(em->mt, name, b);

	if (v == NULL) {
		buf_reset(b);
		buf_addc(b, '\0');
		buf_trunc(b, 0);
		return want_undef ? NULL : b->data;
	}
	return v;
}

/* squeeze_all - s/\s+/ /gs in place */
static void
squeeze_all(struct buf *b)
{
	size_t i, o = 0;

	for (i = 0; i < b->len; i++) {
		if (is_space((unsigned char)b->data[i])) {
			while (i + 1 < b->len &&
			    is_space((unsigned char)b->data[i + 1]))
				i++;
			b->data[o++] = ' ';
		} else
			b->data[o++] = b->data[i];
	}
	buf_trunc(b, o);
}

/* dyn_match - does a pattern built at run time match s (0 when it does
 * not compile) */
static int
dyn_match(const char *pat, const char *s, int caseless)
{
	pcre2_code *re;
	pcre2_match_data *md;
	PCRE2_SIZE off;
	int err, rc;

	pthread_once(&pat_once, pat_init);
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
	if (re == NULL)
		return 0;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	if (md == NULL)
		log_panic("%s: out of memory", __func__);
	rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, pat_mctx);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc > 0;
}

/* quotemeta - Perl's \Q...\E of s appended to b */
static void
quotemeta(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' &&
		    (unsigned char)*s < 0x80)
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* lower - a lowercased copy */
static char *
lower(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* host_domain - RelayEval's hostname_to_domain of a lowercased name */
static char *
host_domain(const char *h)
{
	const char *p, *parts[3] = { NULL, NULL, NULL };
	size_t n = strlen(h), lens[3] = { 0, 0, 0 };
	int count = 0, keep, has_alpha = 0, i;
	const char *last;
	size_t lastlen;

	for (p = h; *p != '\0'; p++)
		if (isalpha((unsigned char)*p))
			has_alpha = 1;
	if (!has_alpha)
		return xstrdup(h);
	/* split(/\./): trailing empty fields go */
	while (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0)
		return xstrdup(h);
	/* the last three fields and how many there are */
	{
		size_t end = n, i2;

		i2 = n;
		for (;;) {
			size_t start;

			while (i2 > 0 && h[i2 - 1] != '.')
				i2--;
			start = i2;
			if (count < 3) {
				memmove(parts + 1, parts, 2 * sizeof(*parts));
				memmove(lens + 1, lens, 2 * sizeof(*lens));
				parts[0] = h + start;
				lens[0] = end - start;
			}
			count++;
			if (start == 0)
				break;
			i2 = start - 1;
			end = i2;
		}
	}
	/* parts[] holds the last min(count, 3) fields, oldest first */
	keep = count < 3 ? count : 3;
	last = parts[keep - 1];
	lastlen = lens[keep - 1];
	if (count > 1) {
		int ok = 0;
		size_t run = 0;

		for (i = 0; i < (int)lastlen; i++) {
			run = is_space((unsigned char)last[i]) ? 0 : run + 1;
			if (run >= 3)
				ok = 1;
			if (i + 1 < (int)lastlen &&
			    ((last[i] == 'i' && last[i + 1] == 'e') ||
			    (last[i] == 'f' && last[i + 1] == 'r') ||
			    (last[i] == 'd' && last[i + 1] == 'e')))
				ok = 1;
		}
		if (ok)
			return xstrndup(parts[keep - 2], (size_t)(last +
			    lastlen - parts[keep - 2]));
	}
	if (count > 2)
		return xstrndup(parts[0], (size_t)(last + lastlen - parts[0]));
	return xstrdup(h);
}

/* untrusted - the untrusted relays */
static const struct relay *
untrusted(const struct eval_msg *em, int *n)
{
	const struct relays *rs = em->relays;

	*n = rs->n - rs->ntrusted;
	return rs->r + rs->ntrusted;
}

/* ev_all_trusted - check_all_trusted */
static int
ev_all_trusted(struct eval_msg *em, int argc, char **argv)
{
	const struct relays *rs = em->relays;

	return rs != NULL && rs->ntrusted > 0 && rs->n == rs->ntrusted &&
	    rs->unparseable == 0;
}

/* ev_no_relays - check_no_relays */
static int
ev_no_relays(struct eval_msg *em, int argc, char **argv)
{
	const struct relays *rs = em->relays;

	return rs == NULL || (rs->n == 0 && rs->unparseable == 0);
}

/* ev_unparseable - check_relays_unparseable */
static int
ev_unparseable(struct eval_msg *em, int argc, char **argv)
{
	return em->relays != NULL && em->relays->unparseable > 0;
}

/* ev_zero - check_for_illegal_ip: retired, never hits */
static int
ev_zero(struct eval_msg *em, int argc, char **argv)
{
	return 0;
}

/*
 * ev_numeric_helo - check_for_numeric_helo: a dotted-quad HELO in the
 * untrusted relays.  4.0.1 means to skip private addresses, but its
 * "local $1" leaves $1 undefined at that test, so any address counts.
 */
static int
ev_numeric_helo(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	struct rx x;
	int hit;

	if (em->relays == NULL)
		return 0;
	relays_pseudo_header(em->relays, "X-Spam-Relays-Untrusted", &b);
	rx_open(&x);
	hit = b.len > 0 && rxm(&x, P_NUMHELO, b.data);
	rx_close(&x);
	buf_free(&b);
	return hit;
}

/* ev_helo_ip_mismatch - helo_ip_mismatch: a public IPv4 HELO outside
 * the /24 of the connecting public IPv4 address */
static int
ev_helo_ip_mismatch(struct eval_msg *em, int argc, char **argv)
{
	const struct relay *r;
	struct rx x;
	int n, i, hit = 0;
	size_t plen;

	if (em->relays == NULL)
		return 0;
	r = untrusted(em, &n);
	rx_open(&x);
	for (i = 0; i < n && !hit; i++) {
		if (!rxm(&x, P_ISV4, r[i].helo) ||
		    rxm(&x, P_ISPRIVATE, r[i].helo))
			continue;
		if (!rxm(&x, P_ISV4, r[i].ip) || rxm(&x, P_ISPRIVATE, r[i].ip) ||
		    strcmp(r[i].helo, r[i].ip) == 0)
			continue;
		/* the first three octets of the HELO, with their dots */
		plen = strcspn(r[i].helo, ".");
		plen += 1 + strcspn(r[i].helo + plen + 1, ".");
		plen += 1 + strcspn(r[i].helo + plen + 1, ".");
		plen++;
		if (strncmp(r[i].ip, r[i].helo, plen) != 0)
			hit = 1;
	}
	rx_close(&x);
	return hit;
}

/* ev_sender_no_reverse - check_for_sender_no_reverse (as 4.0.1 has it:
 * the oldest untrusted relay has a dotted rDNS and a public IP) */
static int
ev_sender_no_reverse(struct eval_msg *em, int argc, char **argv)
{
	const struct relay *r;
	int n;

	if (em->relays == NULL)
		return 0;
	r = untrusted(em, &n);
	if (n == 0)
		return 0;
	r += n - 1;
	return strchr(r->rdns, '.') != NULL && !r->ip_private;
}

/* ev_from_domain_in_rcvd - check_for_from_domain_in_received_headers
 * (domain, 'true'|other) */
static int
ev_from_domain_in_rcvd(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT, p = BUF_INIT, t = BUF_INIT;
	const char *from;
	int desired, hit;

	if (argc < 2 || em->relays == NULL)
		return 0;
	desired = strcmp(argv[1], "true") == 0;
	from = hdr_get(em, "From:addr", &b, 0);
	buf_adds(&p, "\\b");
	quotemeta(&p, argv[0]);
	hit = dyn_match(buf_str(&p), from, 1);
	if (!hit) {
		buf_free(&b);
		buf_free(&p);
		return 0;
	}
	relays_pseudo_header(em->relays, "X-Spam-Relays-Trusted", &t);
	buf_addc(&t, '\n');
	relays_range(em->relays, em->relays->ntrusted, em->relays->n, &t);
	buf_reset(&p);
	buf_addf(&p, " rdns=\\S*\\b%s [^\\]]*by=\\S*\\b%s ", argv[0], argv[0]);
	hit = dyn_match(buf_str(&p), buf_str(&t), 0);
	buf_free(&b);
	buf_free(&p);
	buf_free(&t);
	return desired ? hit : !hit;
}

/* ev_no_rdns_dotcom_helo - check_for_no_rdns_dotcom_helo: the last
 * public untrusted relay HELOs as a big dotcom and has no rDNS */
static int
ev_no_rdns_dotcom_helo(struct eval_msg *em, int argc, char **argv)
{
	const struct relay *r;
	struct rx x;
	int n, i, hit = 0;

	if (em->relays == NULL)
		return 0;
	r = untrusted(em, &n);
	rx_open(&x);
	for (i = 0; i < n; i++) {
		if (r[i].ip_private)
			continue;
		hit = 0;
		if (rxm(&x, P_DOTCOM, r[i].helo) && r[i].no_reverse_dns)
			hit = 1;
	}
	rx_close(&x);
	return hit;
}

/* forged_received - RelayEval's _check_for_forged_received: the count
 * of "from" mismatches along the untrusted chain (*trail) and of
 * IP-address HELOs far from the connecting address (*iphelo) */
static void
forged_received(struct eval_msg *em, int *trail, int *iphelo)
{
	const struct relay *r;
	struct rx x;
	char **from, **helo, **by, *t;
	int n, i;

	*trail = *iphelo = 0;
	if (em->relays == NULL)
		return;
	r = untrusted(em, &n);
	if (n == 0)
		return;
	from = xcalloc((size_t)n, sizeof(*from));
	helo = xcalloc((size_t)n, sizeof(*helo));
	by = xcalloc((size_t)n, sizeof(*by));
	for (i = 0; i < n; i++) {
		t = lower(r[i].by);
		by[i] = host_domain(t);
		free(t);
		t = lower(r[i].rdns);
		from[i] = host_domain(t);
		free(t);
		t = lower(r[i].helo);
		helo[i] = host_domain(t);
		free(t);
	}
	rx_open(&x);
	for (i = 0; i < n; i++) {
		if (!rxm(&x, P_BYDOMAIN, by[i]))
			continue;
		if (from[i] != NULL && rxm(&x, P_LOCALHOSTNAME, from[i]) &&
		    strcmp(r[i].ip, "127.0.0.1") == 0) {
			free(from[i]);
			from[i] = NULL;
		}
		/* an IP-address HELO in another /16 than the IP */
		{
			char *hb = NULL, *fb = NULL;

			if (rxm(&x, P_DOTQUAD, helo[i]))
				hb = rxg(&x, 1);
			if (hb != NULL && rxm(&x, P_DOTQUAD, r[i].ip))
				fb = rxg(&x, 1);
			if (hb != NULL && fb != NULL &&
			    strcmp(r[i].ip, helo[i]) != 0 &&
			    strcmp(hb, fb) != 0 &&
			    !rxm(&x, P_ISPRIVATE, helo[i]))
				(*iphelo)++;
			free(hb);
			free(fb);
		}
		if (i > 0 && from[i - 1] != NULL &&
		    rxm(&x, P_BYDOMAIN, from[i - 1]) &&
		    strcmp(by[i], from[i - 1]) != 0 &&
		    !(strcmp(by[i], "msn.com") == 0 &&
		    strcmp(from[i - 1], "hotmail.com") == 0))
			(*trail)++;
	}
	rx_close(&x);
	for (i = 0; i < n; i++) {
		free(from[i]);
		free(helo[i]);
		free(by[i]);
	}
	free(from);
	free(helo);
	free(by);
}

/* ev_forged_trail - check_for_forged_received_trail */
static int
ev_forged_trail(struct eval_msg *em, int argc, char **argv)
{
	int trail, iphelo;

	forged_received(em, &trail, &iphelo);
	return trail > 1;
}

/* ev_forged_ip_helo - check_for_forged_received_ip_helo */
static int
ev_forged_ip_helo(struct eval_msg *em, int argc, char **argv)
{
	int trail, iphelo;

	forged_received(em, &trail, &iphelo);
	return iphelo > 0;
}

/* ev_fake_aol_relay - check_for_fake_aol_relay_in_rcvd */
static int
ev_fake_aol_relay(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	struct rx x;
	int hit = 0;

	hdr_get(em, "Received", &b, 0);
	squeeze_all(&b);
	rx_open(&x);
	if (rxm(&x, P_AOLRLY, buf_str(&b)))
		hit = !rxm(&x, P_AOLRLY2, buf_str(&b)) &&
		    !rxm(&x, P_AOLRLY3, buf_str(&b));
	rx_close(&x);
	buf_free(&b);
	return hit;
}

/* gated - HeaderEval's gated_through_received_hdr_remover */
static int
gated(struct eval_msg *em)
{
	struct buf b = BUF_INIT, d = BUF_INIT;
	const char *v;
	struct rx x;
	int hit = 0;

	rx_open(&x);
	v = hdr_get(em, "Mailing-List", &b, 1);
	if (v != NULL && rxm(&x, P_EZMLM, v)) {
		const char *dl = hdr_get(em, "Delivered-To", &d, 0);

		if (rxm(&x, P_EZMLMDT, dl)) {
			v = hdr_get(em, "Received", &b, 0);
			if (rxm(&x, P_EZMLMRCVD, v))
				hit = 1;
		}
	}
	if (!hit) {
		v = hdr_get(em, "Received", &b, 1);
		if (v == NULL || rxm(&x, P_MSNGROUPS, v))
			hit = 1;
	}
	rx_close(&x);
	buf_free(&b);
	buf_free(&d);
	return hit;
}

/* ev_gated - gated_through_received_hdr_remover */
static int
ev_gated(struct eval_msg *em, int argc, char **argv)
{
	return gated(em);
}

/* msn_groups - HeaderEval's check_for_msn_groups_headers */
static int
msn_groups(struct eval_msg *em)
{
	struct buf b = BUF_INIT, p = BUF_INIT;
	char *list = NULL, *server = NULL;
	const char *v;
	struct rx x;
	int hit = 0;

	rx_open(&x);
	v = hdr_get(em, "To", &b, 0);
	if (!rxm(&x, P_MSNTO, v))
		goto out;
	list = rxg(&x, 1);
	v = hdr_get(em, "Received", &b, 0);
	if (!rxm(&x, P_MSNPICKUP, v))
		goto out;
	server = rxg(&x, 1);
	v = hdr_get(em, "Message-Id", &b, 0);
	if (strcmp(list, "notifications") == 0) {
		buf_addf(&p, "^<\\S+\\@%s>", server);
		hit = dyn_match(buf_str(&p), v, 0);
	} else {
		buf_addf(&p, "^<%s-\\S+\\@groups\\.msn\\.com>", list);
		if (!dyn_match(buf_str(&p), v, 0))
			goto out;
		v = em->env_from != NULL ? em->env_from :
		    em->relays != NULL ? relays_envfrom(em->relays) : NULL;
		buf_reset(&p);
		buf_addf(&p, "%s-bounce\\@groups\\.msn\\.com", list);
		hit = v != NULL && dyn_match(buf_str(&p), v, 0);
	}
out:
	rx_close(&x);
	free(list);
	free(server);
	buf_free(&b);
	buf_free(&p);
	return hit;
}

/* ev_msn_groups - check_for_msn_groups_headers */
static int
ev_msn_groups(struct eval_msg *em, int argc, char **argv)
{
	return msn_groups(em);
}

/* hotmail - _check_for_forged_hotmail_received_headers: 1 forged
 * (HELO'd as hotmail), 2 a hotmail From without hotmail relays */
static int
hotmail(struct eval_msg *em)
{
	struct buf rc = BUF_INIT, b = BUF_INIT;
	const char *v, *r;
	struct rx x;
	int ip, orig, res = 0;

	hdr_get(em, "Received", &rc, 0);
	squeeze_all(&rc);
	r = buf_str(&rc);
	rx_open(&x);
	if (rxm(&x, P_HMPICKUP, r) || msn_groups(em))
		goto out;
	v = hdr_get(em, "X-Originating-Ip", &b, 1);
	ip = v != NULL && rxm(&x, P_ANYIP, v);
	v = hdr_get(em, "X-OriginatorOrg", &b, 1);
	orig = v != NULL && rxm(&x, P_HMORIG, v);
	if (gated(em))
		goto out;
	if ((ip && (rxm(&x, P_HM1, r) || rxm(&x, P_HM4, r) ||
	    rxm(&x, P_HM5, r) || rxm(&x, P_HM6, r))) ||
	    (orig && (rxm(&x, P_HM2, r) || rxm(&x, P_HM3, r))))
		goto out;
	if (rxm(&x, P_HM7, r))
		res = 1;
	else {
		v = hdr_get(em, "From:addr", &b, 0);
		if (rxm(&x, P_HMFROM, v))
			res = 2;
	}
out:
	rx_close(&x);
	buf_free(&rc);
	buf_free(&b);
	return res;
}

/* ev_forged_hotmail - check_for_forged_hotmail_received_headers */
static int
ev_forged_hotmail(struct eval_msg *em, int argc, char **argv)
{
	return hotmail(em) == 1;
}

/* ev_no_hotmail - check_for_no_hotmail_received_headers */
static int
ev_no_hotmail(struct eval_msg *em, int argc, char **argv)
{
	return hotmail(em) == 2;
}

/* ev_forged_eudoramail - check_for_forged_eudoramail_received_headers */
static int
ev_forged_eudoramail(struct eval_msg *em, int argc, char **argv)
{
	struct buf rc = BUF_INIT, b = BUF_INIT;
	const char *v;
	struct rx x;
	int hit = 0, ip;

	rx_open(&x);
	v = hdr_get(em, "From:addr", &b, 0);
	if (!rxm(&x, P_EUDORAFROM, v))
		goto out;
	hdr_get(em, "Received", &rc, 0);
	squeeze_all(&rc);
	v = hdr_get(em, "X-Sender-Ip", &b, 1);
	ip = v != NULL && rxm(&x, P_ANYIP, v);
	if (gated(em))
		goto out;
	if (rxm(&x, P_EUDORABY, buf_str(&rc)) && ip)
		goto out;
	hit = 1;
out:
	rx_close(&x);
	buf_free(&rc);
	buf_free(&b);
	return hit;
}

/* ev_forged_yahoo - check_for_forged_yahoo_received_headers */
static int
ev_forged_yahoo(struct eval_msg *em, int argc, char **argv)
{
	struct buf rc = BUF_INIT, b = BUF_INIT, from = BUF_INIT;
	const char *v, *r;
	struct rx x;
	int hit = 0;

	rx_open(&x);
	v = hdr_get(em, "From:addr", &from, 0);
	if (!rxm(&x, P_YAHOOFROM, v))
		goto out;
	hdr_get(em, "Received", &rc, 0);
	if (*hdr_get(em, "Resent-From", &b, 0) != '\0' &&
	    *hdr_get(em, "Resent-To", &b, 0) != '\0' &&
	    *hdr_get(em, "X-Received", &b, 0) != '\0')
		hdr_get(em, "X-Received", &rc, 0);
	squeeze_all(&rc);
	r = buf_str(&rc);
	if (gated(em))
		goto out;
	if (em->relays != NULL) {
		relays_pseudo_header(em->relays, "X-Spam-Relays-Trusted", &b);
		if (rxm(&x, P_YAHOOTR, buf_str(&b)))
			goto out;
		relays_pseudo_header(em->relays, "X-Spam-Relays-Untrusted",
		    &b);
		if (rxm(&x, P_YAHOOUN, buf_str(&b)))
			goto out;
	}
	if (rxm(&x, P_YAHOO1, r) || rxm(&x, P_YAHOO2, r) ||
	    rxm(&x, P_YAHOO3, r) || rxm(&x, P_YAHOO4, r))
		goto out;
	if (rxm(&x, P_YAHOO5, r) && rxm(&x, P_YAHOO5F, buf_str(&from)))
		goto out;
	if (rxm(&x, P_YAHOO6, r))
		goto out;
	hit = 1;
out:
	rx_close(&x);
	buf_free(&rc);
	buf_free(&b);
	buf_free(&from);
	return hit;
}

/* ev_forged_juno - check_for_forged_juno_received_headers */
static int
ev_forged_juno(struct eval_msg *em, int argc, char **argv)
{
	struct buf rc = BUF_INIT, xo = BUF_INIT, xm = BUF_INIT;
	const char *v, *r, *xorig, *xmailer;
	struct rx x;
	int hit = 0;

	rx_open(&x);
	v = hdr_get(em, "From:addr", &rc, 0);
	if (!rxm(&x, P_JUNOFROM, v) || gated(em))
		goto out;
	xorig = hdr_get(em, "X-Originating-IP", &xo, 0);
	xmailer = hdr_get(em, "X-Mailer", &xm, 0);
	r = hdr_get(em, "Received", &rc, 0);
	if (xorig[0] != '\0') {
		if (!rxm(&x, P_JUNO1, r) && !rxm(&x, P_JUNO2, r))
			hit = 1;
		else if (strstr(xmailer, "Juno ") == NULL)
			hit = 1;
	} else {
		if (rxm(&x, P_JUNO3, r)) {
			if (!rxm(&x, P_JUNO4, xmailer))
				hit = 1;
		} else if (rxm(&x, P_JUNO5, r)) {
			if (!rxm(&x, P_JUNO6, xmailer))
				hit = 1;
		} else
			hit = 1;
		if (!hit && !rxm(&x, P_ANYIP, xorig))
			hit = 1;
	}
out:
	rx_close(&x);
	buf_free(&rc);
	buf_free(&xo);
	buf_free(&xm);
	return hit;
}

/* ev_forged_gmail - check_for_forged_gmail_received_headers */
static int
ev_forged_gmail(struct eval_msg *em, int argc, char **argv)
{
	struct buf b = BUF_INIT;
	const char *v;
	struct rx x;
	size_t lgms, lss;
	int hit = 0;

	rx_open(&x);
	v = hdr_get(em, "From:addr", &b, 0);
	if (!rxm(&x, P_GMAILFROM, v))
		goto out;
	lgms = strlen(hdr_get(em, "X-Gm-Message-State", &b, 0));
	lss = strlen(hdr_get(em, "X-Google-Smtp-Source", &b, 0));
	v = hdr_get(em, "X-Received", &b, 0);
	if (rxm(&x, P_GMAILX1, v) || rxm(&x, P_GMAILX2, v))
		goto out;
	v = hdr_get(em, "Received", &b, 0);
	if (rxm(&x, P_GMAILX3, v))
		goto out;
	if (lgms >= 60 && lss >= 60)
		goto out;
	hit = 1;
out:
	rx_close(&x);
	buf_free(&b);
	return hit;
}

static const struct {
	const char	*name;
	relays_eval_fn	 fn;
} relay_evals[] = {
	{ "check_all_trusted", ev_all_trusted },
	{ "check_no_relays", ev_no_relays },
	{ "check_relays_unparseable", ev_unparseable },
	{ "check_for_illegal_ip", ev_zero },
	{ "check_for_numeric_helo", ev_numeric_helo },
	{ "helo_ip_mismatch", ev_helo_ip_mismatch },
	{ "check_for_sender_no_reverse", ev_sender_no_reverse },
	{ "check_for_from_domain_in_received_headers",
	    ev_from_domain_in_rcvd },
	{ "check_for_no_rdns_dotcom_helo", ev_no_rdns_dotcom_helo },
	{ "check_for_forged_received_trail", ev_forged_trail },
	{ "check_for_forged_received_ip_helo", ev_forged_ip_helo },
	{ "check_for_fake_aol_relay_in_rcvd", ev_fake_aol_relay },
	{ "gated_through_received_hdr_remover", ev_gated },
	{ "check_for_msn_groups_headers", ev_msn_groups },
	{ "check_for_forged_hotmail_received_headers", ev_forged_hotmail },
	{ "check_for_no_hotmail_received_headers", ev_no_hotmail },
	{ "check_for_forged_eudoramail_received_headers",
	    ev_forged_eudoramail },
	{ "check_for_forged_yahoo_received_headers", ev_forged_yahoo },
	{ "check_for_forged_juno_received_headers", ev_forged_juno },
	{ "check_for_forged_gmail_received_headers", ev_forged_gmail },
};

/* relays_eval_lookup - see relays.h */
relays_eval_fn
relays_eval_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(relay_evals) / sizeof(relay_evals[0]); i++)
		if (strcmp(relay_evals[i].name, name) == 0)
			return relay_evals[i].fn;
	return NULL;
}
