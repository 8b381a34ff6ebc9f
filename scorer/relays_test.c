/*
 * relays_test.c - unit tests for relays.c: Received lines of the MTA
 * formats found in the corpus and others (Postfix, sendmail, qmail,
 * Exim, Exchange SMTPSVC / SMTP Server / mapi, CommuniGate, MDaemon,
 * Lotus Domino, webmail HTTP, fetchmail, simta ...) each compared with
 * what SpamAssassin 4.0.1's parse_received_line makes of it; trust
 * inference, trusted/internal/msa networks, the X-Spam-Relays-*
 * format, the relay evals; hostile input (10,000 Received headers,
 * huge lines, garbage addresses) under a time bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evals.h"
#include "mem.h"
#include "msgtext.h"
#include "relays.h"
#include "test.h"

/*
 * A Received value and SpamAssassin 4.0.1's reading of it (perl,
 * Debian 12, Metadata->parse_received_line): the relay as_string,
 * "SKIP" (a handover it ignores) or "UNPARSEABLE".
 */
static const struct fmtcase {
	const char *line;
	const char *want;
} fmtcases[] = {
	{ "from localhost (localhost [127.0.0.1]) by phobos.labs.netnotei"
	    "nc.com (Postfix) with ESMTP id D03E543C36 for <zzzz@localhost>"
	    "; Thu, 22 Aug 2002 07:36:16 -0400 (EDT)",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=phobos.labs.ne"
	    "tnoteinc.com ident= envfrom= intl=0 id=D03E543C36 auth= msa=0 "
	    "]" },
	{ "from listman.spamassassin.taint.org (localhost.localdomain [12"
	    "7.0.0.1]) by listman.redhat.com (Postfix) with ESMTP id 838654"
	    "0858; Thu, 22 Aug 2002 07:35:02 -0400 (EDT)",
	    "[ ip=127.0.0.1 rdns=localhost.localdomain helo=listman.spamass"
	    "assin.taint.org by=listman.redhat.com ident= envfrom= intl=0 i"
	    "d=8386540858 auth= msa=0 ]" },
	{ "by jlooney.jinny.ie (Postfix, from userid 500) id 4F57189D; Th"
	    "u, 22 Aug 2002 16:25:45 +0100 (IST)",
	    "SKIP" },
	{ "by jlooney.jinny.ie (Postfix, from userid 500) id 09E7E8B1; Th"
	    "u, 22 Aug 2002 17:36:42 +0100 (IST)",
	    "SKIP" },
	{ "from host217-36-23-185.in-addr.btopenworld.com ([217.36.23.185"
	    "]) by rhenium.btinternet.com with esmtp (Exim 3.22 #8) id 17hr"
	    "T0-0004gj-00 for forteana@yahoogroups.com; Thu, 22 Aug 2002 13"
	    ":53:38 +0100",
	    "[ ip=217.36.23.185 rdns=host217-36-23-185.in-addr.btopenworld."
	    "com helo=host217-36-23-185.in-addr.btopenworld.com by=rhenium."
	    "btinternet.com ident= envfrom= intl=0 id=17hrT0-0004gj-00 auth"
	    "= msa=0 ]" },
	{ "from usw-sf-list1-b.sourceforge.net ([10.3.1.13] helo=usw-sf-l"
	    "ist1.sourceforge.net) by usw-sf-list2.sourceforge.net with esm"
	    "tp (Exim 3.31-VA-mm2 #1 (Debian)) id 17hskl-0002W7-00; Thu, 22"
	    " Aug 2002 07:16:03 -0700",
	    "[ ip=10.3.1.13 rdns=usw-sf-list1-b.sourceforge.net helo=usw-sf"
	    "-list1.sourceforge.net by=usw-sf-list2.sourceforge.net ident= "
	    "envfrom= intl=0 id=17hskl-0002W7-00 auth= msa=0 ]" },
	{ "from [80.225.49.151] (helo=007730120202) by mk-smarthost-3.mai"
	    "l.uk.tiscali.com with smtp (Exim 4.10) id 17yffC-000FRO-00 for"
	    " forteana@yahoogroups.com; Mon, 07 Oct 2002 22:43:43 +0100",
	    "[ ip=80.225.49.151 rdns= helo=007730120202 by=mk-smarthost-3.m"
	    "ail.uk.tiscali.com ident= envfrom= intl=0 id=17yffC-000FRO-00 "
	    "auth= msa=0 ]" },
	{ "from [202.56.248.94] (helo=rincewind.pobox.com) by frodo.hseru"
	    "s.net with asmtp (Exim 4.10) id 17z95B-0007kV-00; Wed, 09 Oct "
	    "2002 13:08:33 +0800",
	    "[ ip=202.56.248.94 rdns= helo=rincewind.pobox.com by=frodo.hse"
	    "rus.net ident= envfrom= intl=0 id=17z95B-0007kV-00 auth=asmtp "
	    "msa=0 ]" },
	{ "from usw-sf-list1-b.sourceforge.net ([10.3.1.13] helo=usw-sf-l"
	    "ist1.sourceforge.net) by usw-sf-list2.sourceforge.net with esm"
	    "tp (Exim 3.31-VA-mm2 #1 (Debian)) id 17hsof-00042r-00; Thu, 22"
	    " Aug 2002 07:20:05 -0700",
	    "[ ip=10.3.1.13 rdns=usw-sf-list1-b.sourceforge.net helo=usw-sf"
	    "-list1.sourceforge.net by=usw-sf-list2.sourceforge.net ident= "
	    "envfrom= intl=0 id=17hsof-00042r-00 auth= msa=0 ]" },
	{ "from vivi.uptime.at ([62.116.87.11] helo=mail.uptime.at) by us"
	    "w-sf-list1.sourceforge.net with esmtp (Exim 3.31-VA-mm2 #1 (De"
	    "bian)) id 17hsoM-0000Ge-00 for <spamassassin-devel@lists.sourc"
	    "eforge.net>; Thu, 22 Aug 2002 07:19:47 -0700",
	    "[ ip=62.116.87.11 rdns=vivi.uptime.at helo=mail.uptime.at by=u"
	    "sw-sf-list1.sourceforge.net ident= envfrom= intl=0 id=17hsoM-0"
	    "000Ge-00 auth= msa=0 ]" },
	{ "from fepa.biop.ox.ac.uk ([163.1.16.72] ident=baaden) by fronte"
	    "nd2.herald.ox.ac.uk with esmtp (Exim 3.32 #1) id 17bzKv-0000mo"
	    "-00 for exmh-users@redhat.com; Tue, 06 Aug 2002 09:05:01 +0100",
	    "[ ip=163.1.16.72 rdns=fepa.biop.ox.ac.uk helo=fepa.biop.ox.ac."
	    "uk by=frontend2.herald.ox.ac.uk ident=baaden envfrom= intl=0 i"
	    "d=17bzKv-0000mo-00 auth= msa=0 ]" },
	{ "from heraldgate2.oucs.ox.ac.uk ([163.1.2.50] helo=frontend2.he"
	    "rald.ox.ac.uk ident=exim) by oxmail.ox.ac.uk with esmtp (Exim "
	    "3.34 #1) id 17c56A-0007M1-02 for exmh-users@redhat.com; Tue, 0"
	    "6 Aug 2002 15:14:10 +0100",
	    "[ ip=163.1.2.50 rdns=heraldgate2.oucs.ox.ac.uk helo=frontend2."
	    "herald.ox.ac.uk by=oxmail.ox.ac.uk ident=exim envfrom= intl=0 "
	    "id=17c56A-0007M1-02 auth= msa=0 ]" },
	{ "(qmail 11764 invoked from network); 22 Aug 2002 11:46:29 -0000",
	    "SKIP" },
	{ "(qmail 76099 invoked from network); 22 Aug 2002 12:53:39 -0000",
	    "SKIP" },
	{ "(qmail 48882 invoked from network); 22 Aug 2002 13:38:25 -0000",
	    "SKIP" },
	{ "(qmail 71894 invoked from network); 22 Aug 2002 13:51:00 -0000",
	    "SKIP" },
	{ "(qmail 4141 invoked by uid 104); 22 Aug 2002 15:25:57 -0000",
	    "SKIP" },
	{ "(qmail 2336 invoked by uid 500); 22 Aug 2002 20:09:34 -0000",
	    "SKIP" },
	{ "from mail pickup service by hotmail.com with Microsoft SMTPSVC"
	    "; Thu, 22 Aug 2002 18:20:23 -0700",
	    "SKIP" },
	{ "from mail pickup service by hotmail.com with Microsoft SMTPSVC"
	    "; Sun, 1 Sep 2002 20:40:02 -0700",
	    "SKIP" },
	{ "from mail pickup service by hotmail.com with Microsoft SMTPSVC"
	    "; Sun, 1 Sep 2002 23:44:26 -0700",
	    "SKIP" },
	{ "from mail pickup service by hotmail.com with Microsoft SMTPSVC"
	    "; Mon, 7 Oct 2002 04:51:33 -0700",
	    "SKIP" },
	{ "from NIMITZ ([10.1.1.50]) by exchsrv.cr2 with SMTP (Microsoft "
	    "Exchange Internet Mail Service Version 5.5.2653.13) id 4BV529Y"
	    "3; Mon, 7 Oct 2002 10:41:35 +0100",
	    "[ ip=10.1.1.50 rdns=NIMITZ helo=NIMITZ by=exchsrv.cr2 ident= e"
	    "nvfrom= intl=0 id=4BV529Y3 auth= msa=0 ]" },
	{ "from wintermute.att.cmg.nl (ieattp1ifs6.att.cmg.nl [10.226.4.2"
	    "02]) by nl-nie-route01.cmg.nl with SMTP (Microsoft Exchange In"
	    "ternet Mail Service Version 5.5.2653.13) id RPZHMLB1; Wed, 28 "
	    "Aug 2002 11:14:03 +0200",
	    "[ ip=10.226.4.202 rdns=ieattp1ifs6.att.cmg.nl helo=wintermute."
	    "att.cmg.nl by=nl-nie-route01.cmg.nl ident= envfrom= intl=0 id="
	    "RPZHMLB1 auth= msa=0 ]" },
	{ "from listman.spamassassin.taint.org (listman.spamassassin.tain"
	    "t.org [66.187.233.211]) by dogma.slashnull.org (8.11.6/8.11.6)"
	    " with ESMTP id g7MBYrZ04811 for <zzzz-exmh@spamassassin.taint."
	    "org>; Thu, 22 Aug 2002 12:34:53 +0100",
	    "[ ip=66.187.233.211 rdns=listman.spamassassin.taint.org helo=l"
	    "istman.spamassassin.taint.org by=dogma.slashnull.org ident= en"
	    "vfrom= intl=0 id=g7MBYrZ04811 auth= msa=0 ]" },
	{ "(from mail@localhost) by int-mx1.corp.spamassassin.taint.org ("
	    "8.11.6/8.11.6) id g7MBY7g11259 for exmh-workers@listman.redhat"
	    ".com; Thu, 22 Aug 2002 07:34:07 -0400",
	    "SKIP" },
	{ "from hippolyta by hippolyta.crd.ge.com (8.9.3+Sun/GE-CRD Stand"
	    "ard Sendmail Version S1.5) id OAA01268; Wed, 9 Oct 2002 14:43:"
	    "32 -0400 (EDT)",
	    "SKIP" },
	{ "by en5.engelschall.com (Sendmail 8.9.2) for openssl-users-L id"
	    " BAA14536; Sat, 14 Sep 2002 01:06:22 +0200 (MET DST)",
	    "SKIP" },
	{ "from localhost (sendmail-bs@127.0.0.1) by localhost with SMTP;"
	    " 22 Aug 2002 20:09:34 -0000",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=localhost iden"
	    "t=sendmail-bs envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from localhost (sendmail-bs@127.0.0.1) by localhost with SMTP;"
	    " 5 Sep 2002 02:59:28 -0000",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=localhost iden"
	    "t=sendmail-bs envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from bilbo.makalumedia.loc ([192.168.1.103] verified) by lotse"
	    ".makalumedia.com (CommuniGate Pro SMTP 3.5.7) with ESMTP id 84"
	    "2487 for ilug@linux.ie; Mon, 07 Oct 2002 11:34:38 +0200",
	    "[ ip=192.168.1.103 rdns=bilbo.makalumedia.loc helo=bilbo.makal"
	    "umedia.loc by=lotse.makalumedia.com ident= envfrom= intl=0 id="
	    "842487 auth= msa=0 ]" },
	{ "from [192.168.1.2] ([192.168.1.2] verified) by purestmail.com "
	    "(CommuniGate Pro SMTP 4.0b7) with ESMTP id 205148 for spamassa"
	    "ssin-talk@lists.sourceforge.net; Thu, 12 Sep 2002 09:05:51 -04"
	    "00",
	    "[ ip=192.168.1.2 rdns= helo=!192.168.1.2! by=purestmail.com id"
	    "ent= envfrom= intl=0 id=205148 auth= msa=0 ]" },
	{ "from [10.0.0.3] [200.173.221.24] by interlize.com.br [200.244."
	    "92.2] with SMTP (MDaemon.PRO.v5.0.5.R) for <rpm-list@freshrpms"
	    ".net>; Mon, 23 Sep 2002 14:43:47 -0300",
	    "[ ip=200.173.221.24 rdns= helo=!10.0.0.3! by=interlize.com.br "
	    "ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from waltflannigan.darkphyber.com [205.139.198.39] by greenegg"
	    "snspam.com [205.139.198.206] with SMTP (MDaemon.PRO.PRO.v6.0.0"
	    "m.R) for <razor-users@lists.sourceforge.net>; Mon, 09 Sep 2002"
	    " 17:10:24 -0400",
	    "[ ip=205.139.198.39 rdns= helo=waltflannigan.darkphyber.com by"
	    "=greeneggsnspam.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from mx1.mail.yahoo.com ([172.191.119.34]) by shreemail.shreec"
	    "ementltd.com (Lotus Domino Release 5.0.4) with ESMTP id 200101"
	    "0215584608:1459 ; Tue, 2 Jan 2001 15:58:46 +0530",
	    "[ ip=172.191.119.34 rdns= helo=mx1.mail.yahoo.com by=shreemail"
	    ".shreecementltd.com ident= envfrom= intl=0 id=2001010215584608"
	    ":1459 auth= msa=0 ]" },
	{ "from 63.52.248.117 ([63.52.248.117]) by www.virtex-sametime.nl"
	    " (Lotus Domino Release 5.0.5) with SMTP id 2001051015213519:78"
	    "60 ; Thu, 10 May 2001 15:21:35 +0200",
	    "[ ip=63.52.248.117 rdns= helo=63.52.248.117 by=www.virtex-same"
	    "time.nl ident= envfrom= intl=0 id=2001051015213519:7860 auth= "
	    "msa=0 ]" },
	{ "from [194.237.142.5] by web13705.mail.yahoo.com via HTTP; Tue,"
	    " 27 Aug 2002 12:31:52 PDT",
	    "[ ip=194.237.142.5 rdns= helo= by=web13705.mail.yahoo.com iden"
	    "t= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from [159.134.146.155] by web12102.mail.yahoo.com via HTTP; Fr"
	    "i, 06 Sep 2002 11:24:17 BST",
	    "[ ip=159.134.146.155 rdns= helo= by=web12102.mail.yahoo.com id"
	    "ent= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from 216.30.74.2 by lw15fd.law15.hotmail.msn.com with HTTP; Fr"
	    "i, 23 Aug 2002 01:20:23 GMT",
	    "[ ip=216.30.74.2 rdns= helo= by=lw15fd.law15.hotmail.msn.com i"
	    "dent= envfrom= intl=0 id= auth=HTTP msa=0 ]" },
	{ "from 216.30.74.2 by lw15fd.law15.hotmail.msn.com with HTTP; Mo"
	    "n, 02 Sep 2002 06:44:25 GMT",
	    "[ ip=216.30.74.2 rdns= helo= by=lw15fd.law15.hotmail.msn.com i"
	    "dent= envfrom= intl=0 id= auth=HTTP msa=0 ]" },
	{ "from m206-56.dsl.tsoft.com ([198.144.206.56] helo=perkel.com) "
	    "by darwin.ctyme.com with asmtp (TLSv1:RC4-MD5:128) (Exim 3.35 "
	    "#1) id 17htgP-0004te-00; Thu, 22 Aug 2002 08:15:37 -0700",
	    "[ ip=198.144.206.56 rdns=m206-56.dsl.tsoft.com helo=perkel.com"
	    " by=darwin.ctyme.com ident= envfrom= intl=0 id=17htgP-0004te-0"
	    "0 auth=asmtp msa=0 ]" },
	{ "from eb-174121.od.nih.gov ([156.40.174.121] helo=TOSHIBA-L8QYR"
	    "7M) by smtp03.mrf.mail.rcn.net with asmtp (Exim 3.35 #6) id 17"
	    "i3Uv-0007Lj-00 for fork@xent.com; Thu, 22 Aug 2002 21:44:25 -0"
	    "400",
	    "[ ip=156.40.174.121 rdns=eb-174121.od.nih.gov helo=TOSHIBA-L8Q"
	    "YR7M by=smtp03.mrf.mail.rcn.net ident= envfrom= intl=0 id=17i3"
	    "Uv-0007Lj-00 auth=asmtp msa=0 ]" },
	{ "from [192.168.0.4] (chello062178142216.4.14.vie.surfer.at [62."
	    "178.142.216]) (authenticated bits=0) by mail.uptime.at (8.12.5"
	    "/8.12.5) with ESMTP id g7MEI7Vp022036 for <spamassassin-devel@"
	    "lists.sourceforge.net>; Thu, 22 Aug 2002 16:18:07 +0200",
	    "[ ip=62.178.142.216 rdns=chello062178142216.4.14.vie.surfer.at"
	    " helo=!192.168.0.4! by=mail.uptime.at ident= envfrom= intl=0 i"
	    "d=g7MEI7Vp022036 auth=Sendmail msa=0 ]" },
	{ "from leslie (ca-stmnca-cuda1-blade1a-115.stmnca.adelphia.net ["
	    "68.65.192.115]) (authenticated bits=0) by tigerlily.noc.ucla.e"
	    "du (8.12.3/8.12.3) with ESMTP id g7MHJxJA019627 for <forteana@"
	    "yahoogroups.com>; Thu, 22 Aug 2002 10:19:59 -0700",
	    "[ ip=68.65.192.115 rdns=ca-stmnca-cuda1-blade1a-115.stmnca.ade"
	    "lphia.net helo=leslie by=tigerlily.noc.ucla.edu ident= envfrom"
	    "= intl=0 id=g7MHJxJA019627 auth=Sendmail msa=0 ]" },
	{ "from phobos [127.0.0.1] by localhost with IMAP (fetchmail-5.9."
	    "0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 12:36:16"
	    " +0100 (IST)",
	    "SKIP" },
	{ "from phobos [127.0.0.1] by localhost with IMAP (fetchmail-5.9."
	    "0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 12:46:38"
	    " +0100 (IST)",
	    "SKIP" },
	{ "from mail.webnote.net [193.120.211.219] by localhost with POP3"
	    " (fetchmail-5.9.0) for jm@localhost (single-drop); Thu, 15 Aug"
	    " 2002 11:00:55 +0100 (IST)",
	    "SKIP" },
	{ "from mail.webnote.net [193.120.211.219] by localhost with POP3"
	    " (fetchmail-5.9.0) for jm@localhost (single-drop); Thu, 15 Aug"
	    " 2002 10:43:20 +0100 (IST)",
	    "SKIP" },
	{ "from phobos [127.0.0.1] by localhost with IMAP (fetchmail-5.9."
	    "0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 13:52:59"
	    " +0100 (IST)",
	    "SKIP" },
	{ "from phobos [127.0.0.1] by localhost with IMAP (fetchmail-5.9."
	    "0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 14:23:38"
	    " +0100 (IST)",
	    "SKIP" },
	{ "from cwg-exmh@DeepEddy.Com by localhost.localdomain with qmail"
	    "-scanner-0.90 (uvscan: v4.1.60/v4218. . Clean. Processed in 0."
	    "327895 secs); 22/08/2002 10:25:57",
	    "SKIP" },
	{ "from cwg-exmh@DeepEddy.Com by localhost.localdomain with qmail"
	    "-scanner-0.90 (uvscan: v4.1.60/v4218. . Clean. Processed in 0."
	    "32426 secs); 22/08/2002 09:59:40",
	    "SKIP" },
	{ "from quinlan by proton.pathname.com with local (Exim 3.35 #1 ("
	    "Debian)) id 17iBiq-0005K9-00; Fri, 23 Aug 2002 03:31:20 -0700",
	    "SKIP" },
	{ "from john by barney with local (Exim 3.35 #1 (Debian)) id 17yT"
	    "H7-0005Mi-00 for <ilug@linux.ie>; Mon, 07 Oct 2002 09:30:01 +0"
	    "100",
	    "SKIP" },
	{ "from unknown (HELO mailgateway.cursor-system.com) (62.189.7.27"
	    ") by mta2.grp.scd.yahoo.com with SMTP; 22 Aug 2002 11:46:29 -0"
	    "000",
	    "[ ip=62.189.7.27 rdns= helo=mailgateway.cursor-system.com by=m"
	    "ta2.grp.scd.yahoo.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from unknown (HELO rhenium.btinternet.com) (194.73.73.93) by m"
	    "ta3.grp.scd.yahoo.com with SMTP; 22 Aug 2002 12:53:39 -0000",
	    "[ ip=194.73.73.93 rdns= helo=rhenium.btinternet.com by=mta3.gr"
	    "p.scd.yahoo.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from austin-jump.vircio.com (IDENT:+BhY7EqRf5fwVT64o4aVh7UUHF1"
	    "egIL+@jump-austin.vircio.com [192.12.3.99]) by mx1.redhat.com "
	    "(8.11.6/8.11.6) with SMTP id g7MFBTl04916 for <exmh-workers@re"
	    "dhat.com>; Thu, 22 Aug 2002 11:11:29 -0400",
	    "[ ip=192.12.3.99 rdns=jump-austin.vircio.com helo=austin-jump."
	    "vircio.com by=mx1.redhat.com ident=+BhY7EqRf5fwVT64o4aVh7UUHF1"
	    "egIL+ envfrom= intl=0 id=g7MFBTl04916 auth= msa=0 ]" },
	{ "from aztec.zanshin.com (IDENT:schaefer@aztec.zanshin.com [167."
	    "160.213.132]) by moonbase.zanshin.com (8.11.0/8.11.0) with ESM"
	    "TP id g7TFW8J23933 for <spamassassin-talk@lists.sourceforge.ne"
	    "t>; Thu, 29 Aug 2002 08:32:08 -0700",
	    "[ ip=167.160.213.132 rdns=aztec.zanshin.com helo=aztec.zanshin"
	    ".com by=moonbase.zanshin.com ident=schaefer envfrom= intl=0 id"
	    "=g7TFW8J23933 auth= msa=0 ]" },
	{ "from red.harvee.home (red [192.168.25.1] (may be forged)) by w"
	    "eb.tb.tf (8.11.6/8.11.6) with ESMTP id g7MDO4I16408 for <irreg"
	    "ulars@tb.tf>; Thu, 22 Aug 2002 09:24:04 -0400",
	    "[ ip=192.168.25.1 rdns=red helo=red.harvee.home by=web.tb.tf i"
	    "dent= envfrom= intl=0 id=g7MDO4I16408 auth= msa=0 ]" },
	{ "from redpie.com (redpie.com [216.122.135.208] (may be forged))"
	    " by lugh.tuatha.org (8.9.3/8.9.3) with ESMTP id RAA09518 for <"
	    "ilug@linux.ie>; Thu, 22 Aug 2002 17:16:08 +0100",
	    "[ ip=216.122.135.208 rdns=redpie.com helo=redpie.com by=lugh.t"
	    "uatha.org ident= envfrom= intl=0 id=RAA09518 auth= msa=0 ]" },
	{ "from jlooney.jinny.ie (unknown [193.120.171.2]) by moe.jinny.i"
	    "e (Postfix) with ESMTP id 938BD7FC46; Thu, 22 Aug 2002 16:25:2"
	    "3 +0100 (IST)",
	    "[ ip=193.120.171.2 rdns= helo=jlooney.jinny.ie by=moe.jinny.ie"
	    " ident= envfrom= intl=0 id=938BD7FC46 auth= msa=0 ]" },
	{ "from jlooney.jinny.ie (unknown [193.120.171.2]) by moe.jinny.i"
	    "e (Postfix) with ESMTP id C906A7FC48 for <ilug@linux.ie>; Thu,"
	    " 22 Aug 2002 17:36:19 +0100 (IST)",
	    "[ ip=193.120.171.2 rdns= helo=jlooney.jinny.ie by=moe.jinny.ie"
	    " ident= envfrom= intl=0 id=C906A7FC48 auth= msa=0 ]" },
	{ "from munnari.OZ.AU (localhost [127.0.0.1]) by delta.cs.mu.OZ.A"
	    "U (8.11.6/8.11.6) with ESMTP id g7MBQPW13260; Thu, 22 Aug 2002"
	    " 18:26:25 +0700 (ICT)",
	    "[ ip=127.0.0.1 rdns=localhost helo=munnari.OZ.AU by=delta.cs.m"
	    "u.OZ.AU ident= envfrom= intl=0 id=g7MBQPW13260 auth= msa=0 ]" },
	{ "from localhost (localhost [127.0.0.1]) by phobos.labs.netnotei"
	    "nc.com (Postfix) with ESMTP id BE12E43C34 for <zzzz@localhost>"
	    "; Thu, 22 Aug 2002 07:46:38 -0400 (EDT)",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=phobos.labs.ne"
	    "tnoteinc.com ident= envfrom= intl=0 id=BE12E43C34 auth= msa=0 "
	    "]" },
	{ "from localhost (localhost [127.0.0.1]) by phobos.labs.netnotei"
	    "nc.com (Postfix) with ESMTP id 0314547C66 for <zzzz@localhost>"
	    "; Thu, 22 Aug 2002 08:52:58 -0400 (EDT)",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=phobos.labs.ne"
	    "tnoteinc.com ident= envfrom= intl=0 id=0314547C66 auth= msa=0 "
	    "]" },
	{ "from localhost (localhost [127.0.0.1]) by phobos.labs.netnotei"
	    "nc.com (Postfix) with ESMTP id 9DAE147C66 for <zzzz@localhost>"
	    "; Thu, 22 Aug 2002 09:23:38 -0400 (EDT)",
	    "[ ip=127.0.0.1 rdns=localhost helo=localhost by=phobos.labs.ne"
	    "tnoteinc.com ident= envfrom= intl=0 id=9DAE147C66 auth= msa=0 "
	    "]" },
	{ "from hotmail.com (f160.law15.hotmail.com [64.4.23.160]) by xen"
	    "t.com (Postfix) with ESMTP id 95D1D294099 for <fork@xent.com>;"
	    " Thu, 22 Aug 2002 18:18:38 -0700 (PDT)",
	    "[ ip=64.4.23.160 rdns=f160.law15.hotmail.com helo=hotmail.com "
	    "by=xent.com ident= envfrom= intl=0 id=95D1D294099 auth= msa=0 "
	    "]" },
	{ "from hotmail.com (dav32.law15.hotmail.com [64.4.22.89]) by xen"
	    "t.com (Postfix) with ESMTP id B44F7294099 for <fork@xent.com>;"
	    " Sun,  1 Sep 2002 20:37:40 -0700 (PDT)",
	    "[ ip=64.4.22.89 rdns=dav32.law15.hotmail.com helo=hotmail.com "
	    "by=xent.com ident= envfrom= intl=0 id=B44F7294099 auth= msa=0 "
	    "]" },
	{ "from imo-m10.mx.aol.com (imo-m10.mx.aol.com [64.12.136.165]) b"
	    "y xent.com (Postfix) with ESMTP id 7F28229429C for <fork@xent."
	    "com>; Fri,  6 Sep 2002 05:42:08 -0700 (PDT)",
	    "[ ip=64.12.136.165 rdns=imo-m10.mx.aol.com helo=imo-m10.mx.aol"
	    ".com by=xent.com ident= envfrom= intl=0 id=7F28229429C auth= m"
	    "sa=0 ]" },
	{ "from ThosStew@aol.com by imo-m10.mx.aol.com (mail_out_v34.10.)"
	    " id 9.ac.2ce1f831 (30950); Fri, 6 Sep 2002 08:44:38 -0400 (EDT"
	    ")",
	    "SKIP" },
	{ "from 15.145.8.186 by fowey.BR.ITC.HP.COM (InterScan E-Mail Vir"
	    "usWall NT); Mon, 02 Sep 2002 11:35:54 +0100",
	    "[ ip=15.145.8.186 rdns= helo= by=fowey.BR.ITC.HP.COM ident= en"
	    "vfrom= intl=0 id= auth= msa=0 ]" },
	{ "from 15.145.8.186 by fowey.BR.ITC.HP.COM (InterScan E-Mail Vir"
	    "usWall NT); Mon, 02 Sep 2002 15:47:00 +0100",
	    "[ ip=15.145.8.186 rdns= helo= by=fowey.BR.ITC.HP.COM ident= en"
	    "vfrom= intl=0 id= auth= msa=0 ]" },
	{ "from unknown(10.0.0.13) by gw.educ.irlgov.ie via smap (V2.0) i"
	    "d xma002668; Fri, 9 Aug 02 13:27:22 +0100",
	    "[ ip=10.0.0.13 rdns= helo= by=gw.educ.irlgov.ie ident= envfrom"
	    "= intl=0 id=xma002668 auth= msa=0 ]" },
	{ "from unknown(10.0.0.13) by gw.educ.irlgov.ie via smap (V2.0) i"
	    "d xma004255; Fri, 19 Jul 02 17:29:18 +0100",
	    "[ ip=10.0.0.13 rdns= helo= by=gw.educ.irlgov.ie ident= envfrom"
	    "= intl=0 id=xma004255 auth= msa=0 ]" },
	{ "from thorson.nmcourts.com ([198.59.128.48]) by jidmail.nmcourt"
	    "s.com (Post.Office MTA v3.5.4 release 224 ID# 0-59782U3000L300"
	    "S0V35) with ESMTP id com for <fork@xent.com>; Thu, 1 Aug 2002 "
	    "09:47:18 -0600",
	    "[ ip=198.59.128.48 rdns= helo=thorson.nmcourts.com by=jidmail."
	    "nmcourts.com ident= envfrom= intl=0 id=com auth= msa=0 ]" },
	{ "from tnmx01.mgw.rr.com ([24.165.200.11]) by mail4.nycap.rr.com"
	    " (Post.Office MTA v3.5.3 release 223 ID# 0-59787U250000L250000"
	    "S0V35) with ESMTP id com for <cnice@nycap.rr.com>; Thu, 15 Aug"
	    " 2002 17:46:07 -0400",
	    "[ ip=24.165.200.11 rdns= helo=tnmx01.mgw.rr.com by=mail4.nycap"
	    ".rr.com ident= envfrom= intl=0 id=com auth= msa=0 ]" },
	{ "from sweep2.1starnet.com [207.243.104.27] by 1starnet.com (SMT"
	    "PD32-7.12) id AD7FA80134; Tue, 27 Aug 2002 18:38:39 -0500",
	    "[ ip=207.243.104.27 rdns= helo=sweep2.1starnet.com by=1starnet"
	    ".com ident= envfrom= intl=0 id=AD7FA80134 auth= msa=0 ]" },
	{ "from maya.dyndns.org [207.61.5.143] by mail.datastore.ca (SMTP"
	    "D32-7.00) id A982B010040; Tue, 03 Sep 2002 12:55:30 -0400",
	    "[ ip=207.61.5.143 rdns= helo=maya.dyndns.org by=mail.datastore"
	    ".ca ident= envfrom= intl=0 id=A982B010040 auth= msa=0 ]" },
	{ "from www.fastmail.fm (server1.internal [10.202.2.132]) by serv"
	    "er2.fastmail.fm (Cyrus v2.1.5) with LMTP; Mon, 19 Aug 2002 13:"
	    "32:16 -0500",
	    "[ ip=10.202.2.132 rdns=server1.internal helo=www.fastmail.fm b"
	    "y=server2.fastmail.fm ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from www.fastmail.fm (server1.internal [10.202.2.132]) by www."
	    "fastmail.fm (Cyrus v2.1.3) with LMTP; Mon, 19 Aug 2002 13:32:1"
	    "7 -0500",
	    "[ ip=10.202.2.132 rdns=server1.internal helo=www.fastmail.fm b"
	    "y=www.fastmail.fm ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from www.fastmail.fm (server1.internal [10.202.2.132]) by serv"
	    "er2.fastmail.fm (Cyrus v2.1.5) with LMTP; Mon, 19 Aug 2002 13:"
	    "44:51 -0500",
	    "[ ip=10.202.2.132 rdns=server1.internal helo=www.fastmail.fm b"
	    "y=server2.fastmail.fm ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from www.fastmail.fm (server1.internal [10.202.2.132]) by www."
	    "fastmail.fm (Cyrus v2.1.3) with LMTP; Mon, 19 Aug 2002 13:44:5"
	    "2 -0500",
	    "[ ip=10.202.2.132 rdns=server1.internal helo=www.fastmail.fm b"
	    "y=www.fastmail.fm ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "(from mail@localhost) by int-mx1.corp.spamassassin.taint.org ("
	    "8.11.6/8.11.6) id g7MFPwB25414 for exmh-workers@listman.redhat"
	    ".com; Thu, 22 Aug 2002 11:25:58 -0400",
	    "SKIP" },
	{ "(from dave@localhost) by maltesecat (8.8.7/8.8.7a) id LAA21283"
	    "; Thu, 22 Aug 2002 11:11:58 -0700",
	    "SKIP" },
	{ "FROM barge.dsg.cs.tcd.ie BY webshield ; Wed Aug 28 10:45:49 20"
	    "02 +0100",
	    "SKIP" },
	{ "FROM excsrv02.ingersoll.com BY pxysrv01.ingersoll.com ; Wed Au"
	    "g 21 11:37:32 2002 -0500",
	    "SKIP" },
	{ "(qmail 11976 invoked by uid 7789); 30 Aug 2002 15:32:37 -0000",
	    "SKIP" },
	{ "(qmail 25237 invoked by uid 1111); 24 Aug 2002 08:12:31 -0000",
	    "SKIP" },
	{ "from user179.net172.fl.sprint-hsd.net (HELO mxpool01.netaddres"
	    "s.usa.net) (205.161.229.179) by softdnserror with SMTP; 9 May "
	    "2002 16:26:05 -0000",
	    "[ ip=205.161.229.179 rdns=user179.net172.fl.sprint-hsd.net hel"
	    "o=mxpool01.netaddress.usa.net by=softdnserror ident= envfrom= "
	    "intl=0 id= auth= msa=0 ]" },
	{ "from exchange1.cps.local (unverified) by mailgateway.cursor-sy"
	    "stem.com (Content Technologies SMTPRS 4.2.10) with ESMTP id <T"
	    "5cde81f695ac1d100407d@mailgateway.cursor-system.com> for <fort"
	    "eana@yahoogroups.com>; Thu, 22 Aug 2002 13:14:10 +0100",
	    "SKIP" },
	{ "from mail.dnet.co.uk (unverified [194.46.8.61]) by ni-mail1.dn"
	    "a.utvinternet.net (Vircom SMTPRS 1.4.232) with SMTP id <B00023"
	    "56019@ni-mail1.dna.utvinternet.net>; Thu, 22 Aug 2002 18:55:19"
	    " +0100",
	    "[ ip=194.46.8.61 rdns=unverified helo=mail.dnet.co.uk by=ni-ma"
	    "il1.dna.utvinternet.net ident= envfrom= intl=0 id=B0002356019@"
	    "ni-mail1.dna.utvinternet.net auth= msa=0 ]" },
	{ "from darkness.sial.org (localhost. [IPv6:::1]) by mail.sial.or"
	    "g (8.12.5/8.12.5) with ESMTP id g7SF6EQK002946 for <spamassass"
	    "in-talk@lists.sourceforge.net>; Wed, 28 Aug 2002 08:06:14 -070"
	    "0 (PDT)",
	    "[ ip=::1 rdns=localhost helo=darkness.sial.org by=mail.sial.or"
	    "g ident= envfrom= intl=0 id=g7SF6EQK002946 auth= msa=0 ]" },
	{ "from snet.wit.ie (localhost.wit.ie [IPv6:::1]) by snet.wit.ie "
	    "(8.12.2/8.12.2) with ESMTP id gB20A8WD017162 for <ilug@linux.i"
	    "e>; Mon, 2 Dec 2002 00:10:08 GMT",
	    "[ ip=::1 rdns=localhost.wit.ie helo=snet.wit.ie by=snet.wit.ie"
	    " ident= envfrom= intl=0 id=gB20A8WD017162 auth= msa=0 ]" },
	{ "from yoda (12-231-69-107.client.attbi.com [::ffff:12.231.69.10"
	    "7]) (AUTH: CRAM-MD5 hosting@j2solutions.net) by mail.j2solutio"
	    "ns.net with esmtp; Thu, 19 Sep 2002 22:13:32 -0700",
	    "[ ip=12.231.69.107 rdns=12-231-69-107.client.attbi.com helo=yo"
	    "da by=mail.j2solutions.net ident= envfrom= intl=0 id= auth=CRA"
	    "M-MD5 msa=0 ]" },
	{ "from yoda (12-231-69-107.client.attbi.com [::ffff:12.231.69.10"
	    "7]) (AUTH: CRAM-MD5 hosting@j2solutions.net) by mail.j2solutio"
	    "ns.net with esmtp; Mon, 23 Sep 2002 08:11:31 -0700",
	    "[ ip=12.231.69.107 rdns=12-231-69-107.client.attbi.com helo=yo"
	    "da by=mail.j2solutions.net ident= envfrom= intl=0 id= auth=CRA"
	    "M-MD5 msa=0 ]" },
	{ "from corvil.com (pixelbeat.local.corvil.com [172.18.1.170]) by"
	    " corvil.com. (8.12.5/8.12.5) with ESMTP id g7MGgjn4090705 for "
	    "<ilug@linux.ie>; Thu, 22 Aug 2002 17:42:46 +0100 (IST) (envelo"
	    "pe-from padraig.brady@corvil.com)",
	    "[ ip=172.18.1.170 rdns=pixelbeat.local.corvil.com helo=corvil."
	    "com by=corvil.com. ident= envfrom=padraig.brady@corvil.com int"
	    "l=0 id=g7MGgjn4090705 auth= msa=0 ]" },
	{ "by eng.imakenews.com (PowerMTA(TM) v1.5); Tue, 8 Oct 2002 09:2"
	    "2:59 -0400 (envelope-from <guterman@mediaunspun.imakenews.net>"
	    ")",
	    "SKIP" },
	{ "from deepeddy.vircio.com (@[10.1.2.1]) (envelope-sender <cwg-e"
	    "xmh@DeepEddy.Com>) by austin-jump.vircio.com (qmail-ldap-1.03)"
	    " with SMTP for <exmh-workers@redhat.com>; 22 Aug 2002 15:25:56"
	    " -0000",
	    "[ ip=10.1.2.1 rdns= helo=deepeddy.vircio.com by=austin-jump.vi"
	    "rcio.com ident= envfrom=cwg-exmh@DeepEddy.Com intl=0 id= auth="
	    " msa=0 ]" },
	{ "from localhost (HELO deepeddy.vircio.com) (?AL1b20iTMIHwZbG9ZC"
	    "dQYQG3nsIe5jbe?@[127.0.0.1]) (envelope-sender <cwg-exmh@DeepEd"
	    "dy.Com>) by localhost (qmail-ldap-1.03) with SMTP for <exmh-wo"
	    "rkers@redhat.com>; 22 Aug 2002 15:25:53 -0000",
	    "[ ip=127.0.0.1 rdns=localhost helo=deepeddy.vircio.com by=loca"
	    "lhost ident=?AL1b20iTMIHwZbG9ZCdQYQG3nsIe5jbe? envfrom=cwg-exm"
	    "h@DeepEddy.Com intl=0 id= auth= msa=0 ]" },
	{ "from [216.250.178.12] by mirage.tcinternet.net (NTMail 5.06.00"
	    "16/NY0754.00.6ee0cb71) with ESMTP id uxihchaa for forteana@yah"
	    "oogroups.com; Mon, 7 Oct 2002 06:59:32 -0500",
	    "[ ip=216.250.178.12 rdns= helo= by=mirage.tcinternet.net ident"
	    "= envfrom= intl=0 id=uxihchaa auth= msa=0 ]" },
	{ "from [216.250.178.12] by mirage.tcinternet.net (NTMail 5.06.00"
	    "16/NY0754.00.6ee0cb71) with ESMTP id lijhchaa for forteana@yah"
	    "oogroups.com; Mon, 7 Oct 2002 07:06:00 -0500",
	    "[ ip=216.250.178.12 rdns= helo= by=mirage.tcinternet.net ident"
	    "= envfrom= intl=0 id=lijhchaa auth= msa=0 ]" },
	{ "from  (127.0.0.1 [127.0.0.1]) by MailEnable Inbound Mail Agent"
	    " with ESMTP; Mon, 02 Sep 2002 01:07:29 -08:00",
	    "[ ip=127.0.0.1 rdns= helo=127.0.0.1 by=MailEnable ident= envfr"
	    "om= intl=0 id= auth= msa=0 ]" },
	{ "from  (127.0.0.1 [127.0.0.1]) by MailEnable Inbound Mail Agent"
	    " with ESMTP; Mon, 26 Aug 2002 16:56:55 -08:00",
	    "[ ip=127.0.0.1 rdns= helo=127.0.0.1 by=MailEnable ident= envfr"
	    "om= intl=0 id= auth= msa=0 ]" },
	{ "from myrealbox.com danielpavel@smtp-send.myrealbox.com [194.10"
	    "2.210.216] by smtp-send.myrealbox.com with NetMail SMTP Agent "
	    "$Revision:   3.11  $ on Novell NetWare via secured & encrypted"
	    " transport (TLS); Thu, 29 Aug 2002 03:53:42 -0600",
	    "[ ip=194.102.210.216 rdns= helo=myrealbox.com by=smtp-send.myr"
	    "ealbox.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from myrealbox.com danielpavel@smtp-send.myrealbox.com [194.10"
	    "2.210.216] by smtp-send.myrealbox.com with NetMail SMTP Agent "
	    "$Revision:   3.11  $ on Novell NetWare via secured & encrypted"
	    " transport (TLS); Thu, 29 Aug 2002 05:03:58 -0600",
	    "[ ip=194.102.210.216 rdns= helo=myrealbox.com by=smtp-send.myr"
	    "ealbox.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from ngban12.ng.bae.co.uk ([141.245.68.238]) by ngbaux.net.bae"
	    ".co.uk (PMDF V5.2-33 #44998) with ESMTP id <0H1J00AK7O7RP2@ngb"
	    "aux.net.bae.co.uk> for forteana@egroups.com; Wed, 28 Aug 2002 "
	    "09:14:15 +0100 (BST)",
	    "[ ip=141.245.68.238 rdns= helo=ngban12.ng.bae.co.uk by=ngbaux."
	    "net.bae.co.uk ident= envfrom= intl=0 id=0H1J00AK7O7RP2@ngbaux."
	    "net.bae.co.uk auth= msa=0 ]" },
	{ "from yale.edu (pcp01253719pcs.hamden01.ct.comcast.net [68.63.9"
	    "7.130]) by email.med.yale.edu (PMDF V6.1-1 #40995) with ESMTPS"
	    " id <0H1L0WM4D8QOED@email.med.yale.edu> for Spamassassin-talk@"
	    "lists.sourceforge.net; Thu, 29 Aug 2002 00:35:12 -0400 (EDT)",
	    "[ ip=68.63.97.130 rdns=pcp01253719pcs.hamden01.ct.comcast.net "
	    "helo=yale.edu by=email.med.yale.edu ident= envfrom= intl=0 id="
	    "0H1L0WM4D8QOED@email.med.yale.edu auth= msa=0 ]" },
	{ "from s0hlnmta ([10.4.20.5]) by sims.isec.aib.ie (Sun Internet "
	    "Mail Server sims.4.0.2001.07.26.11.50.p9) with ESMTP id <0GZN0"
	    "0H24OFVD5@sims.isec.aib.ie>; Mon, 22 Jul 2002 16:02:20 +0100 ("
	    "BST)",
	    "[ ip=10.4.20.5 rdns= helo=s0hlnmta by=sims.isec.aib.ie ident= "
	    "envfrom= intl=0 id=0GZN00H24OFVD5@sims.isec.aib.ie auth= msa=0"
	    " ]" },
	{ "from D (p6044-ipad22marunouchi.tokyo.ocn.ne.jp [61.214.35.44])"
	    " by mail10.m.freebit.net (Sun Internet Mail Server sims.4.0.20"
	    "01.07.26.11.50.p9) with SMTP id <0H2700H6ZGMBNC@mail10.m.freeb"
	    "it.net> for ports@freebsd.org; Tue, 10 Sep 2002 13:38:21 +0900"
	    " (JST)",
	    "[ ip=61.214.35.44 rdns=p6044-ipad22marunouchi.tokyo.ocn.ne.jp "
	    "helo=D by=mail10.m.freebit.net ident= envfrom= intl=0 id=0H270"
	    "0H6ZGMBNC@mail10.m.freebit.net auth= msa=0 ]" },
	{ "from endeavors.com ([66.126.120.174]) by mta6.snfc21.pbi.net ("
	    "iPlanet Messaging Server 5.1 (built May  7 2001)) with ESMTP i"
	    "d <0H3N006X7ZLZ03@mta6.snfc21.pbi.net> for fork@xent.com; Tue,"
	    " 08 Oct 2002 06:17:59 -0700 (PDT)",
	    "[ ip=66.126.120.174 rdns= helo=endeavors.com by=mta6.snfc21.pb"
	    "i.net ident= envfrom= intl=0 id=0H3N006X7ZLZ03@mta6.snfc21.pbi"
	    ".net auth= msa=0 ]" },
	{ "from cse.ucsc.edu ([63.194.88.161]) by mta6.snfc21.pbi.net (iP"
	    "lanet Messaging Server 5.1 (built May  7 2001)) with ESMTP id "
	    "<0H3O00A1ZFGAXP@mta6.snfc21.pbi.net> for fork@xent.com; Tue, 0"
	    "8 Oct 2002 12:00:11 -0700 (PDT)",
	    "[ ip=63.194.88.161 rdns= helo=cse.ucsc.edu by=mta6.snfc21.pbi."
	    "net ident= envfrom= intl=0 id=0H3O00A1ZFGAXP@mta6.snfc21.pbi.n"
	    "et auth= msa=0 ]" },
	{ "from mailman.rexus.com ([216.136.83.173] helo=Mr-Mailman) by u"
	    "sw-sf-list1.sourceforge.net with esmtp (Cipher TLSv1:DES-CBC3-"
	    "SHA:168) (Exim 3.31-VA-mm2 #1 (Debian)) id 17k9m2-0006tk-00 fo"
	    "r <spamassassin-talk@lists.sourceforge.net>; Wed, 28 Aug 2002 "
	    "13:50:47 -0700",
	    "[ ip=216.136.83.173 rdns=mailman.rexus.com helo=Mr-Mailman by="
	    "usw-sf-list1.sourceforge.net ident= envfrom= intl=0 id=17k9m2-"
	    "0006tk-00 auth= msa=0 ]" },
	{ "from 65.90.119.105 [65.90.119.105] by Mr-Mailman with SMTPBeam"
	    "er v3.30 ; Wed, 28 Aug 2002 16:48:10 -0400",
	    "[ ip=65.90.119.105 rdns= helo=65.90.119.105 by=Mr-Mailman iden"
	    "t= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "(from majordomo@localhost) by www.wireless.org.au (8.11.6/8.11"
	    ".6) id g7CFNqs09225 for melbwireless-list; Tue, 13 Aug 2002 01"
	    ":23:52 +1000",
	    "SKIP" },
	{ "(from majordomo@localhost) by oss.sgi.com (8.12.5/8.12.3/Submi"
	    "t) id g7H7659K020864 for linux-xfs-outgoing; Sat, 17 Aug 2002 "
	    "00:06:05 -0700",
	    "SKIP" },
	{ "from SMTP agent by mail gateway Fri, 02 Aug 2002 09:50:49 -000"
	    "0",
	    "UNPARSEABLE" },
	{ "From LOCALHOST.LOCALDOMAIN (148.121.170.2[148.121.170.2 port:4"
	    "688]) by grimm1.grimstad Mail essentials (server 2.422) with S"
	    "MTP id: <7700@grimm1.grimstad> for <rpm-zzzlist@freshrpms.net>"
	    "; Mon, 22 Jul 2002 9:41:41 AM +0200 smtpmailfrom <noselasd@Ute"
	    "l.no>",
	    "UNPARSEABLE" },
	{ "From LOCALHOST.LOCALDOMAIN (148.121.170.2[148.121.170.2 port:4"
	    "721]) by grimm1.grimstad Mail essentials (server 2.422) with S"
	    "MTP id: <7866@grimm1.grimstad> for <rpm-zzzlist@freshrpms.net>"
	    "; Mon, 22 Jul 2002 2:00:11 PM +0200 smtpmailfrom <noselasd@Ute"
	    "l.no>",
	    "UNPARSEABLE" },
	{ "from r-smtp.korea.com - 203.122.2.197 by dd_it7  with Microsof"
	    "t SMTPSVC(5.5.1775.675.6); Sat, 24 Aug 2002 09:42:10 +0900",
	    "UNPARSEABLE" },
	{ "from <beautyinfufuxxxmeb13mxy@aol.com> with PostMaster 3.14.1 "
	    "(M);  Mon, 07 Oct 2002 15:10:41 +100",
	    "UNPARSEABLE" },
	{ "from 64.3.210.238 - 64.3.210.238 by webman.accessonline.com.au"
	    " with Microsoft SMTPSVC(5.5.1774.114.11); Thu, 2 Aug 2001 07:5"
	    "3:02 +1000",
	    "UNPARSEABLE" },
	{ "from Life 300(113.2.2.1) Life1 by sdn-ar-002riprovP318.dialspr"
	    "int.net with ESMTP; Tue, 26 Jun 2001 23:09:24 -0400",
	    "UNPARSEABLE" },
	{ "from 208.187.15.9 - 208.187.15.9 by mailepiser  with Microsoft"
	    " SMTPSVC(5.5.1775.675.6); Sat, 30 Jun 2001 13:29:28 +0200",
	    "UNPARSEABLE" },
	{ "from hotmail.com - 63.209.92.128 by is.valcare.com  with Micro"
	    "soft SMTPSVC(5.5.1774.114.11); Tue, 26 Jun 2001 12:17:14 +0530",
	    "UNPARSEABLE" },
	{ "from andira.wanadoo.fr (193.252.19.152) by caroubier.wanadoo.f"
	    "r; 28 Jul 2001 15:59:31 +0200",
	    "UNPARSEABLE" },
	{ "from good (194.2.146.197) by andira.wanadoo.fr; 28 Jul 2001 15"
	    ":59:28 +0200",
	    "UNPARSEABLE" },
	{ "from andira.wanadoo.fr (193.252.19.152) by areca.wanadoo.fr; 2"
	    "9 Jul 2001 03:53:22 +0200",
	    "UNPARSEABLE" },
	{ "from tito (194.2.146.197) by andira.wanadoo.fr; 29 Jul 2001 03"
	    ":53:01 +0200",
	    "UNPARSEABLE" },
	{ "from unknown (HELO niederhasli.ch) (unknown) by unknown with S"
	    "MTP; 4 Aug 2001 01:24:08 -0000",
	    "UNPARSEABLE" },
	{ "from  by PPPa165-nas1rack6059.dialinx.net with ESMTP; Sat, 04 "
	    "Aug 2001 19:10:21 -0700",
	    "UNPARSEABLE" },
	{ "from  by PPPa165-nas1rack6059.dialinx.net with ESMTP; Sat, 04 "
	    "Aug 2001 19:13:01 -0700",
	    "UNPARSEABLE" },
	{ "from mel-rta7.wanadoo.fr (193.252.19.61) by mel-rto1.wanadoo.f"
	    "r; 24 Apr 2002 00:46:22 +0200",
	    "UNPARSEABLE" },
	{ "from  by Computer2 with ESMTP; Mon, 20 May 2002 12:43:34 -0500",
	    "UNPARSEABLE" },
	{ "from mail.mailclub.com - 217.128.78.77 by proxy  with Microsof"
	    "t SMTPSVC(5.5.1775.675.6); Thu, 23 May 2002 09:19:35 +0800",
	    "UNPARSEABLE" },
	{ "from hyundaitrade (211.196.206.210) by relay6.kornet.net; 3 Ju"
	    "n 2002 17:01:55 +0900",
	    "UNPARSEABLE" },
	{ "from SMTP agent by mail gateway Wed, 24 Jul 2002 06:43:48 -000"
	    "0",
	    "UNPARSEABLE" },
	{ "from unknown",
	    "UNPARSEABLE" },
	{ "from 200.181.124.54 - 200.181.124.54 by tsapp.tsapp  with Micr"
	    "osoft SMTPSVC(5.5.1774.114.11); Tue, 30 Jul 2002 07:18:04 -050"
	    "0",
	    "UNPARSEABLE" },
	{ "from mx.example.org (mx.example.org [192.0.2.10]) by mail.exam"
	    "ple.net (Postfix) with ESMTPS id 4AB12C0D3E for <u@example.net"
	    ">; Mon, 3 Jul 2023 10:11:12 +0200 (CEST)",
	    "[ ip=192.0.2.10 rdns=mx.example.org helo=mx.example.org by=mai"
	    "l.example.net ident= envfrom= intl=0 id=4AB12C0D3E auth= msa=0"
	    " ]" },
	{ "from laptop (dsl-1-2-3-4.isp.example [203.0.113.7]) (Authentic"
	    "ated sender: alice@example.net) by smtp.example.net (Postfix) "
	    "with ESMTPSA id 9F00E1234 for <bob@example.org>; Tue, 4 Jul 20"
	    "23 08:00:01 +0000 (UTC)",
	    "[ ip=203.0.113.7 rdns=dsl-1-2-3-4.isp.example helo=laptop by=s"
	    "mtp.example.net ident= envfrom= intl=0 id=9F00E1234 auth=ESMTP"
	    "SA msa=0 ]" },
	{ "from mailhost (unknown [IPv6:2001:db8::25]) by mx2.example.com"
	    " (Postfix) with ESMTP id 77AA; Wed, 5 Jul 2023 09:09:09 -0400 "
	    "(EDT)",
	    "[ ip=2001:db8::25 rdns= helo=mailhost by=mx2.example.com ident"
	    "= envfrom= intl=0 id=77AA auth= msa=0 ]" },
	{ "from DB7PR01MB1234.eurprd01.prod.exchangelabs.com (2603:10a6:1"
	    "0:2b::15) by AM0PR01MB5678.eurprd01.prod.exchangelabs.com (260"
	    "3:10a6:208:cc::20) with Microsoft SMTP Server (version=TLS1_2,"
	    " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.6544.2"
	    "4; Thu, 6 Jul 2023 12:00:00 +0000",
	    "[ ip=2603:10a6:10:2b::15 rdns=DB7PR01MB1234.eurprd01.prod.exch"
	    "angelabs.com helo=DB7PR01MB1234.eurprd01.prod.exchangelabs.com"
	    " by=AM0PR01MB5678.eurprd01.prod.exchangelabs.com ident= envfro"
	    "m= intl=0 id=15.20.6544.24 auth= msa=0 ]" },
	{ "from AM0PR01MB5678.eurprd01.prod.exchangelabs.com ([fe80::aaaa"
	    ":bbbb:cccc:dddd]) by AM0PR01MB5678.eurprd01.prod.exchangelabs."
	    "com ([fe80::aaaa:bbbb:cccc:dddd%7]) with mapi id 15.20.6544.02"
	    "4; Thu, 6 Jul 2023 12:00:00 +0000",
	    "[ ip=fe80::aaaa:bbbb:cccc:dddd rdns= helo=AM0PR01MB5678.eurprd"
	    "01.prod.exchangelabs.com by=AM0PR01MB5678.eurprd01.prod.exchan"
	    "gelabs.com ident= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from [198.51.100.23] (helo=workstation) by relay.example.de wi"
	    "th esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (en"
	    "velope-from <carol@example.de>) id 1qAbCd-000123-XY; Fri, 07 J"
	    "ul 2023 14:15:16 +0200",
	    "[ ip=198.51.100.23 rdns= helo=workstation by=relay.example.de "
	    "ident= envfrom=carol@example.de intl=0 id=1qAbCd-000123-XY aut"
	    "h=esmtpsa msa=0 ]" },
	{ "from host-198-51-100-44.example.net ([198.51.100.44]:51234 hel"
	    "o=smtp.sender.example) by mx.receiver.example with esmtps (TLS"
	    "1.2) (Exim 4.94.2) (envelope-from <bounce@sender.example>) id "
	    "1qZzZz-0004Kq-2T for dave@receiver.example; Sat, 08 Jul 2023 0"
	    "1:02:03 +0100",
	    "[ ip=198.51.100.44 rdns=host-198-51-100-44.example.net helo=sm"
	    "tp.sender.example by=mx.receiver.example ident= envfrom=bounce"
	    "@sender.example intl=0 id=1qZzZz-0004Kq-2T auth= msa=0 ]" },
	{ "from unknown (HELO ylmf-pc) (203.0.113.99) by mail.example.biz"
	    " with SMTP; 9 Jul 2023 03:04:05 -0000",
	    "[ ip=203.0.113.99 rdns= helo=ylmf-pc by=mail.example.biz ident"
	    "= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from web.example.com (HELO web.example.com) (erin@198.51.100.5"
	    ") by mta.example.com with ESMTPA; 10 Jul 2023 06:07:08 -0000",
	    "[ ip=198.51.100.5 rdns=web.example.com helo=web.example.com by"
	    "=mta.example.com ident=erin envfrom= intl=0 id= auth=ESMTPA ms"
	    "a=0 ]" },
	{ "FROM relay.umich.example (relay.umich.example [192.0.2.77]) BY"
	    " mx.umich.example ID 4A1B2C3D.5E6F.1234 ; 11 Jul 2023 09:10:11"
	    " -0400",
	    "[ ip=192.0.2.77 rdns=relay.umich.example helo=relay.umich.exam"
	    "ple by=mx.umich.example ident= envfrom= intl=0 id=4A1B2C3D.5E6"
	    "F.1234 auth= msa=0 ]" },
	{ "from mx.example.com (mx.example.com. [192.0.2.55]) by mx.googl"
	    "e.com with ESMTPS id x12si3456789qkb.123.2023.07.12.10.11.12 f"
	    "or <frank@gmail.com> (version=TLS1_3 cipher=TLS_AES_256_GCM_SH"
	    "A384 bits=256/256); Wed, 12 Jul 2023 10:11:12 -0700 (PDT)",
	    "[ ip=192.0.2.55 rdns=mx.example.com helo=mx.example.com by=mx."
	    "google.com ident= envfrom= intl=0 id=x12si3456789qkb.123.2023."
	    "07.12.10.11.12 auth= msa=0 ]" },
	{ "from localhost (example.com [local]) by example.com (OpenSMTPD"
	    ") with ESMTPA id 5a5b5c5d for <gina@example.com>; Thu, 13 Jul "
	    "2023 01:01:01 -0600 (MDT)",
	    "SKIP" },
	{ "from smtp.example.org (smtp.example.org [::ffff:192.0.2.88]) b"
	    "y mail.example.org (8.15.2/8.15.2) with ESMTP id 36EABCDE01234"
	    "5; Fri, 14 Jul 2023 02:02:02 GMT",
	    "[ ip=192.0.2.88 rdns=smtp.example.org helo=smtp.example.org by"
	    "=mail.example.org ident= envfrom= intl=0 id=36EABCDE012345 aut"
	    "h= msa=0 ]" },
	{ "from pc.example.net (pc.example.net [192.0.2.99] (may be forge"
	    "d)) (authenticated bits=0) by mail.example.net (8.14.4/8.14.4)"
	    " with ESMTP id s6FGHIJ; Sat, 15 Jul 2023 03:03:03 +0200",
	    "[ ip=192.0.2.99 rdns=pc.example.net helo=pc.example.net by=mai"
	    "l.example.net ident= envfrom= intl=0 id=s6FGHIJ auth=Sendmail "
	    "msa=0 ]" },
	{ "from sender.example ([192.0.2.201]) by gw.example.com (Lotus D"
	    "omino Release 9.0.1FP10) with ESMTP id 2023071604040400-1234 ;"
	    " Sun, 16 Jul 2023 04:04:04 +0000",
	    "[ ip=192.0.2.201 rdns= helo=sender.example by=gw.example.com i"
	    "dent= envfrom= intl=0 id=2023071604040400-1234 auth= msa=0 ]" },
	{ "from mail.example.jp (mail.example.jp [192.0.2.202]) by mx.exa"
	    "mple.jp with ESMTP id 1A2B3C;",
	    "[ ip=192.0.2.202 rdns=mail.example.jp helo=mail.example.jp by="
	    "mx.example.jp ident= envfrom= intl=0 id=1A2B3C auth= msa=0 ]" },
	{ "from 192.0.2.203 by mx.example.net with SMTP;",
	    "[ ip=192.0.2.203 rdns= helo= by=mx.example.net ident= envfrom="
	    " intl=0 id= auth= msa=0 ]" },
	{ "from [192.0.2.204] by mx.example.net;",
	    "[ ip=192.0.2.204 rdns= helo=!192.0.2.204! by=mx.example.net id"
	    "ent= envfrom= intl=0 id= auth= msa=0 ]" },
	{ "from x (x [1.2.3.4] (garbage (nested) by y",
	    "[ ip=1.2.3.4 rdns= helo=x by=y ident= envfrom= intl=0 id= auth"
	    "= msa=0 ]" },
	{ "from 999.999.999.999 ([999.1.2.3]) by mx.example.net with SMTP",
	    "UNPARSEABLE" },
	{ "from a.example ([2001:db8::1:2]) by b.example (8.15.2/8.15.2) "
	    "with ESMTP id 1",
	    "[ ip=2001:db8::1:2 rdns= helo=a.example by=b.example ident= en"
	    "vfrom= intl=0 id= auth= msa=0 ]" },
	{ "from\011 tabbed  (tabbed.example   [192.0.2.205])  by   mx.exa"
	    "mple.net (Postfix) with ESMTP id 1ABC ; ; ",
	    "[ ip=192.0.2.205 rdns=tabbed.example helo=tabbed by=mx.example"
	    ".net ident= envfrom= intl=0 id=1ABC auth= msa=0 ]" },
};

/* parse_msg - msgtext and relays of a message text */
static void
parse_msg(const char *msg, struct msgtext *mt, struct relays *rs,
    const struct relays_conf *conf)
{
	msgtext_parse(mt, msg, strlen(msg));
	relays_parse(rs, mt, conf);
}

/* relay_fields - a relay as parse_received_line's as_string (intl and
 * msa still 0) */
static void
relay_fields(const struct relay *r, struct buf *b)
{
	buf_reset(b);
	buf_addf(b, "[ ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s "
	    "intl=0 id=%s auth=%s msa=0 ]", r->ip, r->rdns, r->helo, r->by,
	    r->ident, r->envfrom ? r->envfrom : "", r->id, r->auth);
}

/* test_formats - each line alone, as SpamAssassin reads it */
static void
test_formats(void)
{
	struct buf m = BUF_INIT, b = BUF_INIT;
	struct msgtext mt;
	struct relays rs;
	size_t i;
	int ok = 0, n = (int)(sizeof(fmtcases) / sizeof(fmtcases[0]));

	for (i = 0; i < sizeof(fmtcases) / sizeof(fmtcases[0]); i++) {
		const struct fmtcase *c = &fmtcases[i];
		const char *got;

		buf_reset(&m);
		buf_addf(&m, "Received: %s\nSubject: x\n\nbody\n", c->line);
		parse_msg(buf_str(&m), &mt, &rs, NULL);
		if (rs.unparseable == 1 && rs.n == 0)
			got = "UNPARSEABLE";
		else if (rs.unparseable == 0 && rs.n == 0)
			got = "SKIP";
		else if (rs.unparseable == 0 && rs.n == 1) {
			relay_fields(&rs.r[0], &b);
			got = buf_str(&b);
		} else
			got = "?";
		if (strcmp(got, c->want) == 0)
			ok++;
		else
			TEST_IS_STR(got, c->want, "format %zu: %.60s", i,
			    c->line);
		TEST_IS_INT(rs.nreceived, 1, "format %zu counted", i);
		relays_free(&rs);
		msgtext_free(&mt);
	}
	TEST_IS_INT(ok, n, "%d Received formats read as SpamAssassin does",
	    n);
	buf_free(&m);
	buf_free(&b);
}

/* a chain with a private hop, a public one, then private again */
static const char chain1[] =
    "Received: from gw.example.net (gw.example.net [10.1.2.3])\n"
    "\tby mx.example.net (Postfix) with ESMTP id AAA1\n"
    "\tfor <u@example.net>; Mon, 3 Jul 2023 10:11:12 +0200\n"
    "Received: from out.example.org (out.example.org [192.0.2.10])\n"
    "\tby gw.example.net (8.15.2/8.15.2) with ESMTP id BBB2;\n"
    "\tMon, 3 Jul 2023 10:11:11 +0200\n"
    "Received: from pc (pc.lan [192.168.1.20]) by out.example.org\n"
    "\t(Postfix) with ESMTP id CCC3; Mon, 3 Jul 2023 10:11:10 +0200\n"
    "Subject: chain\n"
    "\n"
    "body\n";

/* X-Spam-Relays-* of chain1, from SpamAssassin 4.0.1 */
static const char chain1_trusted[] =
    "[ ip=10.1.2.3 rdns=gw.example.net helo=gw.example.net "
    "by=mx.example.net ident= envfrom= intl=1 id=AAA1 auth= msa=0 ]";
static const char chain1_untrusted[] =
    "[ ip=192.0.2.10 rdns=out.example.org helo=out.example.org "
    "by=gw.example.net ident= envfrom= intl=0 id=BBB2 auth= msa=0 ] "
    "[ ip=192.168.1.20 rdns=pc.lan helo=pc by=out.example.org ident= "
    "envfrom= intl=0 id=CCC3 auth= msa=0 ]";

/* test_inference - trust without trusted_networks (Received.pm) */
static void
test_inference(void)
{
	struct buf b = BUF_INIT;
	struct msgtext mt;
	struct relays rs;

	parse_msg(chain1, &mt, &rs, NULL);
	TEST_IS_INT(rs.n, 3, "chain1: 3 relays");
	TEST_IS_INT(rs.ntrusted, 1, "chain1: the private first hop trusted");
	TEST_IS_INT(rs.ninternal, 1, "chain1: and internal");
	TEST_IS_STR(relays_pseudo_header(&rs, "X-Spam-Relays-Trusted", &b),
	    chain1_trusted, "chain1: X-Spam-Relays-Trusted");
	TEST_IS_STR(relays_pseudo_header(&rs, "X-Spam-Relays-Untrusted", &b),
	    chain1_untrusted, "chain1: X-Spam-Relays-Untrusted (a private "
	    "hop after a public one stays untrusted)");
	TEST_IS_STR(relays_pseudo_header(&rs, "x-spam-relays-internal", &b),
	    chain1_trusted, "chain1: Internal = Trusted when inferred");
	TEST_IS_STR(relays_pseudo_header(&rs, "X-Spam-Relays-External", &b),
	    chain1_untrusted, "chain1: External = Untrusted when inferred");
	TEST_OK(relays_pseudo_header(&rs, "X-Spam-Relays-Other", &b) == NULL,
	    "another name: NULL");
	TEST_OK(relays_pseudo_header(&rs, "Received", &b) == NULL,
	    "not a pseudo-header: NULL");
	TEST_IS_INT(rs.last_trusted_index, 0, "chain1: last trusted index");
	relays_free(&rs);
	msgtext_free(&mt);

	/* an authenticated public hop extends trust; the next ends it */
	parse_msg("Received: from pc (dsl.example [203.0.113.7]) "
	    "(Authenticated sender: a@example.net) by smtp.example.net "
	    "(Postfix) with ESMTPSA id 9F; Tue, 4 Jul 2023 08:00:01 +0000\n"
	    "Received: from h.example.com (h.example.com [198.51.100.1]) by "
	    "dsl.example (Postfix) with ESMTP id 1; Tue, 4 Jul 2023 "
	    "08:00:00 +0000\n\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.ntrusted, 1, "auth: the authenticated hop trusted");
	TEST_IS_STR(rs.r[0].auth, "ESMTPSA", "auth: ESMTPSA recorded");
	TEST_IS_INT(rs.r[0].internal, 1, "auth: and internal");
	TEST_IS_INT(rs.n, 2, "auth: 2 relays");
	relays_free(&rs);
	msgtext_free(&mt);

	/* a fetchmail hop in the trusted part restarts the chain */
	parse_msg("Received: from localhost (localhost [127.0.0.1]) by "
	    "home.lan (Postfix) with ESMTP id 77; Wed, 5 Jul 2023 09:00:02 "
	    "+0000\n"
	    "Received: from pop.example.net [192.0.2.5] by localhost with "
	    "POP3 (fetchmail-6.4.37) for <me@localhost> (single-drop); "
	    "Wed, 05 Jul 2023 09:00:01 +0000 (UTC)\n"
	    "Received: from s.example.org (s.example.org [198.51.100.9]) by "
	    "pop.example.net (Postfix) with ESMTP id 55; Wed, 5 Jul 2023 "
	    "09:00:00 +0000\n\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.n, 1, "fetchmail: relays before the marker dropped");
	TEST_IS_INT(rs.ntrusted, 0, "fetchmail: the fetched hop untrusted");
	TEST_IS_STR(rs.n ? rs.r[0].ip : "", "198.51.100.9", "fetchmail: ip");
	TEST_IS_INT(rs.unparseable, 0, "fetchmail: nothing unparseable");
	relays_free(&rs);
	msgtext_free(&mt);

	/* X-Originating-IP joins the end of the chain */
	parse_msg("Received: from web (web.example [10.0.0.9]) by "
	    "mx.example (Postfix) with ESMTP id 3; Wed, 5 Jul 2023 09:00:02 "
	    "+0000\nX-Originating-IP: [203.0.113.50]\n\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.n, 2, "X-Originating-IP: a synthetic relay");
	TEST_IS_INT(rs.nreceived, 1, "X-Originating-IP: not a Received");
	TEST_IS_STR(relays_pseudo_header(&rs, "X-Spam-Relays-Untrusted", &b),
	    "[ ip=203.0.113.50 rdns= helo= by= ident= envfrom= intl=0 id= "
	    "auth= msa=0 ]", "X-Originating-IP: untrusted, by= empty");
	relays_free(&rs);
	msgtext_free(&mt);

	/* no Received at all, and one that is not understood */
	parse_msg("Subject: none\n\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.n + rs.unparseable + rs.nreceived, 0, "no Received");
	TEST_OK(relays_envfrom(&rs) == NULL, "no Received: no envfrom");
	relays_free(&rs);
	msgtext_free(&mt);
	parse_msg("Received: from nowhere with love\n\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.unparseable, 1, "unparseable counted");
	TEST_IS_INT(rs.n, 0, "unparseable: no relay");
	TEST_IS_INT(rs.last_trusted_index, 0, "unparseable: index moves");
	relays_free(&rs);
	msgtext_free(&mt);

	/* envelope sender of the last untrusted relay */
	parse_msg("Received: from a.example ([192.0.2.1] helo=a.example) by "
	    "mx.example with esmtp (Exim 4.96) (envelope-from "
	    "<bob@a.example>) id 1q-2; Wed, 05 Jul 2023 09:00:01 +0000\n"
	    "\nx\n", &mt, &rs, NULL);
	TEST_IS_STR(relays_envfrom(&rs), "bob@a.example", "envfrom (Exim)");
	relays_free(&rs);
	msgtext_free(&mt);
	buf_free(&b);
}

/* test_networks - trusted_networks / internal_networks / msa_networks */
static void
test_networks(void)
{
	struct relays_conf c;
	struct buf err = BUF_INIT;
	struct msgtext mt;
	struct relays rs;

	relays_conf_init(&c);
	TEST_OK(relays_netset_contains(&c.trusted, "127.0.0.1"),
	    "loopback always trusted");
	TEST_OK(relays_netset_contains(&c.internal, "::1"),
	    "::1 always internal");
	TEST_OK(!relays_netset_contains(&c.trusted, "10.0.0.1"),
	    "10/8 not trusted by default");
	TEST_IS_INT(relays_netset_add(&c.trusted, "192.0.2.0/24, 10/8 "
	    "!10.9.0.0/16 198.51.100. [2001:db8::]/32", &err), 0,
	    "trusted_networks parsed");
	TEST_OK(relays_netset_contains(&c.trusted, "192.0.2.200"), "/24 in");
	TEST_OK(!relays_netset_contains(&c.trusted, "192.0.3.1"), "/24 out");
	TEST_OK(relays_netset_contains(&c.trusted, "10.200.1.1"), "10/8 in");
	TEST_OK(!relays_netset_contains(&c.trusted, "10.9.1.1"),
	    "!10.9/16 excluded (more specific wins)");
	TEST_OK(relays_netset_contains(&c.trusted, "198.51.100.77"),
	    "\"198.51.100.\" is a /24");
	TEST_OK(relays_netset_contains(&c.trusted, "2001:db8:1::5"),
	    "IPv6 /32 in");
	TEST_OK(relays_netset_contains(&c.trusted, "::ffff:192.0.2.9"),
	    "IPv4-mapped IPv6 in");
	TEST_OK(!relays_netset_contains(&c.trusted, "not-an-ip"),
	    "garbage: not in");
	TEST_OK(!relays_netset_contains(&c.trusted, ""), "empty: not in");
	TEST_IS_INT(relays_netset_add(&c.msa, "192.0.2.300", &err), -1,
	    "a bad address refused");
	TEST_OK(strstr(buf_str(&err), "192.0.2.300") != NULL,
	    "the error names it: %s", buf_str(&err));
	TEST_IS_INT(relays_netset_add(&c.msa, "1.2.3.4/33", &err), -1,
	    "a bad IPv4 prefix refused");
	TEST_IS_INT(relays_netset_add(&c.msa, "1.2.3.4/255.0.255.0", &err),
	    -1, "a non-contiguous netmask refused");
	TEST_IS_INT(relays_netset_add(&c.msa, "1.2.3.4-1.2.3.9", &err), -1,
	    "a range refused");
	TEST_IS_INT(relays_netset_add(&c.internal, "172.16.0.0/255.240.0.0",
	    &err), 0, "a netmask accepted");
	TEST_OK(relays_netset_contains(&c.internal, "172.31.255.1") &&
	    !relays_netset_contains(&c.internal, "172.32.0.1"),
	    "netmask 255.240.0.0 is a /12");
	relays_conf_free(&c);
	relays_conf_init(&c);
	TEST_IS_INT(relays_netset_add(&c.trusted, "192.0.2.0/24, 10/8 "
	    "!10.9.0.0/16 198.51.100. [2001:db8::]/32", &err), 0,
	    "trusted_networks parsed again");

	/* trusted only: internal follows it */
	parse_msg(chain1, &mt, &rs, &c);
	TEST_IS_INT(rs.ntrusted, 2, "networks: 10.1.2.3 and 192.0.2.10 "
	    "trusted");
	TEST_IS_INT(rs.ninternal, 2, "networks: internal = trusted");
	TEST_IS_INT(rs.r[1].internal, 1, "networks: intl=1");
	relays_free(&rs);
	msgtext_free(&mt);

	/* internal narrower than trusted */
	TEST_IS_INT(relays_netset_add(&c.internal, "10.0.0.0/8", &err), 0,
	    "internal_networks parsed");
	parse_msg(chain1, &mt, &rs, &c);
	TEST_IS_INT(rs.ntrusted, 2, "internal set: trust unchanged");
	TEST_IS_INT(rs.ninternal, 1, "internal set: 192.0.2.10 external");
	TEST_IS_INT(rs.r[1].internal, 0, "internal set: intl=0");
	relays_free(&rs);
	msgtext_free(&mt);

	/* an MSA: everything after it trusted */
	TEST_IS_INT(relays_netset_add(&c.msa, "192.0.2.10", &err), 0,
	    "msa_networks parsed");
	parse_msg(chain1, &mt, &rs, &c);
	TEST_IS_INT(rs.ntrusted, 3, "msa: the rest trusted");
	TEST_IS_INT(rs.r[1].msa, 1, "msa: msa=1");
	relays_free(&rs);
	msgtext_free(&mt);
	relays_conf_free(&c);

	/* configuration lines */
	relays_conf_init(&c);
	TEST_IS_INT(relays_conf_setting(&c, "trusted_networks",
	    "192.0.2.0/24", &err), 1, "setting: trusted_networks");
	TEST_IS_INT(relays_conf_setting(&c, "required_score", "5", &err), 0,
	    "setting: not ours");
	TEST_IS_INT(relays_conf_setting(&c, "msa_networks", "", &err), -1,
	    "setting: a value is required");
	TEST_IS_INT(relays_conf_setting(&c, "internal_networks", "10.0.0.300",
	    &err), -1, "setting: a bad value");
	parse_msg(chain1, &mt, &rs, &c);
	TEST_IS_INT(rs.ntrusted, 0, "setting: 10.1.2.3 not trusted now, "
	    "trust ends at once");
	TEST_IS_INT(rs.n, 3, "setting: 3 relays");
	relays_free(&rs);
	msgtext_free(&mt);
	TEST_IS_INT(relays_conf_setting(&c, "clear_trusted_networks", NULL,
	    &err), 1, "setting: clear_trusted_networks");
	TEST_OK(!c.trusted.configured &&
	    relays_netset_contains(&c.trusted, "127.0.0.2"),
	    "cleared: loopback only, not configured");
	relays_conf_free(&c);

	/* originating_ip_headers cleared */
	relays_conf_init(&c);
	relays_conf_orig_headers(&c, NULL);
	parse_msg("X-Originating-IP: 203.0.113.50\n\nx\n", &mt, &rs, &c);
	TEST_IS_INT(rs.n, 0, "no originating_ip_headers: no relay");
	relays_free(&rs);
	msgtext_free(&mt);
	relays_conf_orig_headers(&c, "X-Client-IP x-client-ip");
	TEST_IS_INT(c.norig, 1, "duplicate header names ignored");
	parse_msg("X-Client-IP: 203.0.113.51\n\nx\n", &mt, &rs, &c);
	TEST_IS_STR(rs.n ? rs.r[0].ip : "", "203.0.113.51",
	    "a configured originating header read");
	relays_free(&rs);
	msgtext_free(&mt);
	relays_conf_free(&c);
	buf_free(&err);
}

/* run_eval - one relay eval on a message */
static int
run_eval(const char *name, const char *msg, int argc, char **argv)
{
	struct msgtext mt;
	struct relays rs;
	struct eval_msg em;
	relays_eval_fn fn = relays_eval_lookup(name);
	int r;

	if (fn == NULL)
		return -1;
	parse_msg(msg, &mt, &rs, NULL);
	memset(&em, 0, sizeof(em));
	em.msg = msg;
	em.len = strlen(msg);
	em.mt = &mt;
	em.relays = &rs;
	r = fn(&em, argc, argv);
	relays_free(&rs);
	msgtext_free(&mt);
	return r;
}

/* test_evals - RelayEval.pm and HeaderEval.pm's Received tests */
static void
test_evals(void)
{
	static const char local[] =
	    "Received: from x (x.lan [192.168.0.2]) by y.lan (Postfix) with "
	    "ESMTP id 1; Mon, 3 Jul 2023 10:00:00 +0000\n\nx\n";
	static const char mismatch[] =
	    "Received: from [203.0.113.9] (helo=198.51.100.3) by mx.example."
	    "net with smtp (Exim 4.96) id 1q; Mon, 3 Jul 2023 10:00:00 "
	    "+0000\n\nx\n";
	static const char dotcom[] =
	    "Received: from mail.yahoo.com (unknown [203.0.113.9]) by "
	    "mx.example.net (Postfix) with SMTP id 7; Mon, 3 Jul 2023 "
	    "10:00:00 +0000\n\nx\n";
	static const char trail[] =
	    "Received: from a.one.example (a.one.example [198.51.100.1]) by "
	    "mx.dest.example (Postfix) with ESMTP id 1; Mon, 3 Jul 2023 "
	    "10:00:03 +0000\n"
	    "Received: from b.two.example (b.two.example [198.51.100.2]) by "
	    "x.three.example (Postfix) with ESMTP id 2; Mon, 3 Jul 2023 "
	    "10:00:02 +0000\n"
	    "Received: from c.four.example (c.four.example [198.51.100.3]) "
	    "by y.five.example (Postfix) with ESMTP id 3; Mon, 3 Jul 2023 "
	    "10:00:01 +0000\n\nx\n";
	static const char hotmail[] =
	    "Received: from hotmail.com (dsl.example [203.0.113.4]) by "
	    "mx.example.net (Postfix) with SMTP id 9; Mon, 3 Jul 2023 "
	    "10:00:00 +0000\nFrom: a@hotmail.com\n\nx\n";
	static const char yahoo[] =
	    "Received: from h.example (h.example [203.0.113.4]) by "
	    "mx.example.net (Postfix) with SMTP id 9; Mon, 3 Jul 2023 "
	    "10:00:00 +0000\nFrom: a@yahoo.com\n\nx\n";
	char *fd[2] = { "example.net", "true" };
	char *fd2[2] = { "example.net", "false" };

	TEST_IS_INT(run_eval("check_all_trusted", local, 0, NULL), 1,
	    "ALL_TRUSTED on a private chain");
	TEST_IS_INT(run_eval("check_all_trusted", chain1, 0, NULL), 0,
	    "ALL_TRUSTED not on chain1");
	TEST_IS_INT(run_eval("check_all_trusted", "Received: garbage\n\nx\n",
	    0, NULL), 0, "ALL_TRUSTED not with only garbage");
	TEST_IS_INT(run_eval("check_no_relays", "Subject: x\n\nx\n", 0, NULL),
	    1, "NO_RELAYS without Received");
	TEST_IS_INT(run_eval("check_no_relays", local, 0, NULL), 0,
	    "NO_RELAYS not with one");
	TEST_IS_INT(run_eval("check_relays_unparseable",
	    "Received: from a b c d\n\nx\n", 0, NULL), 1,
	    "unparseable relay");
	TEST_IS_INT(run_eval("helo_ip_mismatch", mismatch, 0, NULL), 1,
	    "RCVD_HELO_IP_MISMATCH");
	TEST_IS_INT(run_eval("check_for_numeric_helo", mismatch, 0, NULL), 1,
	    "numeric HELO");
	TEST_IS_INT(run_eval("check_for_forged_received_ip_helo", mismatch, 0,
	    NULL), 1, "forged IP HELO (another /16)");
	TEST_IS_INT(run_eval("check_for_no_rdns_dotcom_helo", dotcom, 0,
	    NULL), 1, "NO_RDNS_DOTCOM_HELO");
	TEST_IS_INT(run_eval("check_for_no_rdns_dotcom_helo", local, 0,
	    NULL), 0, "NO_RDNS_DOTCOM_HELO not on a private relay");
	TEST_IS_INT(run_eval("check_for_forged_received_trail", trail, 0,
	    NULL), 1, "forged Received trail (2 mismatches)");
	TEST_IS_INT(run_eval("check_for_forged_received_trail", chain1, 0,
	    NULL), 0, "no forged trail on chain1");
	TEST_IS_INT(run_eval("check_for_sender_no_reverse", dotcom, 0, NULL),
	    0, "sender_no_reverse: no rDNS, no hit (as 4.0.1)");
	TEST_IS_INT(run_eval("check_for_forged_hotmail_received_headers",
	    hotmail, 0, NULL), 1, "forged hotmail HELO");
	TEST_IS_INT(run_eval("check_for_no_hotmail_received_headers",
	    hotmail, 0, NULL), 0, "not also no-hotmail");
	TEST_IS_INT(run_eval("check_for_forged_yahoo_received_headers",
	    yahoo, 0, NULL), 1, "forged yahoo");
	TEST_IS_INT(run_eval("check_for_forged_gmail_received_headers",
	    yahoo, 0, NULL), 0, "gmail test ignores yahoo");
	TEST_IS_INT(run_eval("gated_through_received_hdr_remover",
	    "Subject: x\n\nx\n", 0, NULL), 1, "no Received: gated");
	TEST_IS_INT(run_eval("check_for_from_domain_in_received_headers",
	    "From: a@example.net\nReceived: from h.example.net (h.example.net "
	    "[198.51.100.1]) by mx.example.net (Postfix) with ESMTP id 1; "
	    "Mon, 3 Jul 2023 10:00:00 +0000\n\nx\n", 2, fd), 1,
	    "from domain in Received");
	TEST_IS_INT(run_eval("check_for_from_domain_in_received_headers",
	    "From: a@example.net\n\nx\n", 2, fd2), 1,
	    "from domain not in Received ('false')");
	TEST_OK(relays_eval_lookup("check_rbl") == NULL,
	    "other evals: NULL");
	TEST_OK(relays_eval_lookup("check_for_illegal_ip") != NULL,
	    "retired check_for_illegal_ip known");
}

/* test_hostile - many headers, long lines, garbage */
static void
test_hostile(void)
{
	struct buf m = BUF_INIT, b = BUF_INIT;
	struct msgtext mt;
	struct relays rs;
	double t0;
	int i;

	for (i = 0; i < 10000; i++)
		buf_addf(&m, "Received: from h%d (h%d.example [198.51.%d.%d]) "
		    "by mx%d.example (Postfix) with ESMTP id %d; Mon, 3 Jul "
		    "2023 10:00:00 +0000\n", i, i, i % 256, i / 256 % 256, i,
		    i);
	buf_adds(&m, "\nx\n");
	t0 = test_now();
	parse_msg(buf_str(&m), &mt, &rs, NULL);
	TEST_OK(rs.nreceived > 0 && rs.nreceived <= 10000,
	    "10,000 Received: %d looked at", rs.nreceived);
	TEST_IS_INT(rs.n, rs.nreceived, "each one parsed");
	TEST_IS_INT(rs.ntrusted, 0, "all untrusted");
	relays_pseudo_header(&rs, "X-Spam-Relays-Untrusted", &b);
	TEST_OK(b.len > 100000, "a long pseudo-header (%zu bytes)", b.len);
	TEST_OK(test_now() - t0 < 10 * test_slow(),
	    "10,000 Received in %.2f s", test_now() - t0);
	relays_free(&rs);
	msgtext_free(&mt);

	/* one huge Received line, patterns that backtrack */
	buf_reset(&m);
	buf_adds(&m, "Received: from ");
	for (i = 0; i < 200000; i++)
		buf_adds(&m, i % 7 ? "( [" : "a@[1.2.3.4] by ");
	buf_adds(&m, "\nReceived: from (authenticated ");
	for (i = 0; i < 50000; i++)
		buf_adds(&m, "(authenticated) ");
	buf_adds(&m, "\nReceived: from x ");
	for (i = 0; i < 50000; i++)
		buf_adds(&m, "(HELO a) (b@1.2.3.4) ");
	buf_adds(&m, "by y with SMTP\n\nx\n");
	t0 = test_now();
	parse_msg(buf_str(&m), &mt, &rs, NULL);
	TEST_IS_INT(rs.nreceived, 3, "huge lines: 3 Received");
	TEST_OK(test_now() - t0 < 10 * test_slow(),
	    "huge lines in %.2f s", test_now() - t0);
	relays_free(&rs);
	msgtext_free(&mt);

	/* garbage addresses */
	parse_msg("Received: from a (a [999.1.1.1]) by b (Postfix) with "
	    "ESMTP id 1\n"
	    "Received: from a (a [1.2.3.4.5]) by b (Postfix) with ESMTP\n"
	    "Received: from a (a [::::::]) by b (8.1/8.1) with ESMTP\n"
	    "Received: from a (a [IPv6:zz::1]) by b (8.1/8.1) with ESMTP\n"
	    "Received: from \001\377 (\377 [\0011.2.3.4]) by \377\n"
	    "Received: from [] by []\n"
	    "Received: from ( [ by ] (\n"
	    "Received: ;;;;;;\n"
	    "Received: \n"
	    "\nx\n", &mt, &rs, NULL);
	TEST_IS_INT(rs.nreceived, 9, "garbage: 9 Received");
	for (i = 0; i < rs.n; i++)
		TEST_OK(strchr(rs.r[i].ip, ' ') == NULL &&
		    strchr(rs.r[i].ip, '[') == NULL,
		    "garbage relay %d: ip \"%s\" clean", i, rs.r[i].ip);
	TEST_OK(rs.n + rs.unparseable <= 9, "garbage: %d relays, %d "
	    "unparseable", rs.n, rs.unparseable);
	relays_free(&rs);
	msgtext_free(&mt);

	TEST_OK(relays_ip_private("10.0.0.1") && relays_ip_private("fe80::1")
	    && relays_ip_private("::ffff:192.168.1.1") &&
	    relays_ip_private("100.64.0.1") && !relays_ip_private("8.8.8.8")
	    && !relays_ip_private("2001:db8::1"), "relays_ip_private");
	buf_free(&m);
	buf_free(&b);
}

int
main(void)
{
	test_formats();
	test_inference();
	test_networks();
	test_evals();
	test_hostile();
	TEST_DONE();
}
