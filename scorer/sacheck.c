/*
 * sacheck.c - a developer's command line front end to the rule engine:
 * scores message files with SpamAssassin's stock rules as spamd would.
 *
 * usage: sacheck [-c LOCALCF] [-r RULESDIR] [-p SITEDIR] [-s SET] [-v]
 *        [-D] [-T] [-b BAYESDIR] [-n DNSSERVERS] [-z PYZORSERVERS]
 *        [-t TIMEOUT] FILE...
 * Prints per file "file<TAB>score<TAB>required<TAB>RULE,RULE<TAB>ms";
 * -b uses the Bayes store in BAYESDIR (score sets 2/3 once it has
 * learned enough; see salearn), -n the DNS lists through DNSSERVERS
 * ("" for /etc/resolv.conf) and -z Pyzor (both: score sets 1/3; -t
 * their timeout, 5 s).  -v adds a column with the "__" rules that hit
 * (":N" counts) and one with "bayes=P autolearn=WHAT", -D
 * prints the disabled rules by reason, -T runs the rules that use
 * captured tags (check_opts capture_tags).  A leading mbox
 * "From " line is skipped.  Defaults: rules /usr/share/spamassassin,
 * plugin loaders (*.pre) and site *.cf from /etc/spamassassin, score
 * set 0.  The files are hostile; runs as the developer, not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bayes.h"
#include "buf.h"
#include "check.h"
#include "dns.h"
#include "dnsbl.h"
#include "log.h"
#include "mem.h"
#include "pyzor.h"
#include "saconf.h"
#include "sarules.h"

/* slurp - the whole file into b; -1 on error */
static int
slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

/* usage - how to call, then exit 2 */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: sacheck [-c LOCALCF] [-r RULESDIR] "
	    "[-p SITEDIR] [-s SET] [-v] [-D] [-T] [-b BAYESDIR]\n"
	    "    [-n DNSSERVERS] [-z PYZORSERVERS] [-t TIMEOUT] FILE...\n");
	exit(2);
}

/* main - load the rules once, score every file */
int
main(int argc, char **argv)
{
	const char *rules = "/usr/share/spamassassin";
	const char *site = "/etc/spamassassin", *local = NULL;
	const char *bayesdir = NULL, *dnsservers = NULL, *pyzorservers = NULL;
	double timeout = 5;
	struct check_opts o;
	struct check_result r;
	struct checker *ck;
	struct saconf *c;
	struct buf err = BUF_INIT, msg = BUF_INIT, out = BUF_INIT;
	int ch, verbose = 0, dump = 0, i, k, rc = 0;
	size_t off;

	memset(&o, 0, sizeof(o));
	o.match_limit = 100000;
	o.depth_limit = 10000;
	o.time_budget = 10;
	log_open("sacheck");
	log_set_stderr(1);
	while ((ch = getopt(argc, argv, "c:r:p:s:vDTb:n:z:t:")) != -1) {
		switch (ch) {
		case 'b':
			bayesdir = optarg;
			break;
		case 'n':
			dnsservers = optarg;
			break;
		case 'z':
			pyzorservers = optarg;
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'c':
			local = optarg;
			break;
		case 'r':
			rules = optarg;
			break;
		case 'p':
			site = *optarg ? optarg : NULL;
			break;
		case 's':
			o.score_set = atoi(optarg) & 3;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'D':
			dump = 1;
			break;
		case 'T':
			o.capture_tags = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && !dump)
		usage();
	if ((c = sarules_load(rules, site, local, &err)) == NULL) {
		fprintf(stderr, "sacheck: %s\n", buf_str(&err));
		return 1;
	}
	if (err.len)
		fprintf(stderr, "sacheck: %s\n", buf_str(&err));
	if (bayesdir) {
		buf_reset(&err);
		if ((o.bayes = bayes_open(bayesdir, saconf_settings(c), 0,
		    &err)) == NULL) {
			fprintf(stderr, "sacheck: %s: %s\n", bayesdir,
			    buf_str(&err));
			return 1;
		}
		o.score_set |= 2;
	}
	if (dnsservers) {
		buf_reset(&err);
		if ((o.dns = dns_new(dnsservers, timeout, &err)) == NULL) {
			fprintf(stderr, "sacheck: dns %s: %s\n", dnsservers,
			    buf_str(&err));
			return 1;
		}
		o.dnsbl = dnsbl_conf_new(c);
		o.score_set |= 1;
	}
	if (pyzorservers) {
		buf_reset(&err);
		if ((o.pyzor = pyzor_conf_new(pyzorservers, timeout,
		    saconf_settings(c), &err)) == NULL) {
			fprintf(stderr, "sacheck: pyzor %s: %s\n",
			    pyzorservers, buf_str(&err));
			return 1;
		}
		o.score_set |= 1;
	}
	o.dns_timeout = o.pyzor_timeout = timeout;
	ck = check_new(c, &o);
	if (dump) {
		saconf_summary_format(c, &out);
		check_disabled_format(ck, &out);
		fputs(buf_str(&out), stdout);
	}
	for (i = 0; i < argc; i++) {
		buf_reset(&msg);
		if (slurp(argv[i], &msg) < 0) {
			fprintf(stderr, "sacheck: %s: %s\n", argv[i],
			    strerror(errno));
			rc = 1;
			continue;
		}
		off = 0;
		if (msg.len >= 5 && memcmp(msg.data, "From ", 5) == 0) {
			const char *nl = memchr(msg.data, '\n', msg.len);

			off = nl ? (size_t)(nl - msg.data) + 1 : msg.len;
		}
		check_message(ck, msg.data + off, msg.len - off, NULL, &r);
		buf_reset(&out);
		check_tests_string(ck, &r, &out);
		printf("%s\t%.3f\t%.1f\t%s\t%.2f", argv[i], r.score,
		    r.required, buf_str(&out), r.elapsed * 1e3);
		if (verbose) {
			printf("\t");
			for (k = 0; k < r.nsub; k++) {
				printf("%s%s", k ? "," : "", saconf_rule_at(c,
				    r.sub[k].rule)->name);
				if (r.sub[k].count > 1)
					printf(":%d", r.sub[k].count);
			}
			if (r.flags)
				printf("\tflags=%#x", r.flags);
			if (bayesdir || dnsservers || pyzorservers)
				printf("\tbayes=%.4f autolearn=%s pyzor=%ld/%ld",
				    r.bayes, check_autolearn_name(r.autolearn),
				    r.pyzor_count, r.pyzor_wl);
		}
		printf("\n");
		check_result_free(&r);
	}
	check_free(ck);
	if (o.bayes)
		bayes_close(o.bayes);
	if (o.dns)
		dns_free(o.dns);
	if (o.dnsbl)
		dnsbl_conf_free(o.dnsbl);
	if (o.pyzor)
		pyzor_conf_free(o.pyzor);
	saconf_free(c);
	buf_free(&err);
	buf_free(&msg);
	buf_free(&out);
	return rc;
}
