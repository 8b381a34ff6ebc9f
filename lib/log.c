/*
 * log.c - logging to syslog, an append-only file and/or stderr.
 *
 * Inputs: messages from our own code; they may quote hostile data,
 * which is made printable here (control bytes become '?') so a client
 * cannot forge log lines.  Runs at any privilege; the log file is
 * opened before privileges are dropped and kept open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <paths.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int log_verbose;

static char log_tag[64] = "mailsift";
static int log_fd = -1;
static int log_to_stderr = 1;
static int log_to_syslog;
static void (*log_exit_hook)(int);

enum { L_DEBUG, L_INFO, L_WARN, L_ERROR, L_FATAL, L_PANIC };

static const char *const level_prefix[] = {
	"", "", "warning: ", "error: ", "fatal: ", "panic: ",
};
static const int level_syslog[] = {
	LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_CRIT,
};

/* log_open - set the program tag ("mailsift/smtpd-in") */
void
log_open(const char *tag)
{
	log_set_tag(tag);
}

/* log_set_tag - change the tag shown in every line */
void
log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag);
	if (log_to_syslog) {
		closelog();
		openlog(log_tag, LOG_PID | LOG_NDELAY, LOG_MAIL);
	}
}

/* log_set_file - append to path from now on; NULL or "" stops */
int
log_set_file(const char *path)
{
	int fd;

	if (path == NULL || *path == '\0') {
		if (log_fd >= 0)
			close(log_fd);
		log_fd = -1;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	return 0;
}

/* log_set_stderr - copy messages to stderr (foreground, tools) */
void
log_set_stderr(int on)
{
	log_to_stderr = on;
}

/* facility_code - syslog facility by name */
static int
facility_code(const char *name)
{
	static const struct { const char *name; int code; } tab[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; name && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(name, tab[i].name) == 0)
			return tab[i].code;
	return LOG_MAIL;
}

/*
 * log_set_syslog - turn syslog output on or off.  Without a syslog
 * socket (no syslog daemon, a container) syslog(3) would try to connect
 * again for every line; then only the log file and stderr are used.
 */
void
log_set_syslog(int on, const char *facility)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = on && access(_PATH_LOG, W_OK) == 0;
	if (log_to_syslog)
		openlog(log_tag, LOG_PID | LOG_NDELAY, facility_code(facility));
}

/* log_set_exit_hook - call hook instead of exit/abort (unit tests) */
void
log_set_exit_hook(void (*hook)(int))
{
	log_exit_hook = hook;
}

/* log_emit - format one line and send it everywhere */
static void
log_emit(int level, const char *fmt, va_list ap)
{
	char msg[4096], line[4300], stamp[64];
	int saved = errno;
	struct timeval tv;
	struct tm tm;
	char *p;
	int n;

	if (level == L_DEBUG && !log_verbose)
		return;
	errno = saved;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_to_syslog)
		syslog(level_syslog[level], "%s%s", level_prefix[level], msg);
	if (log_fd >= 0 || log_to_stderr) {
		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%06ld %s[%ld]: %s%s\n",
		    stamp, (long)tv.tv_usec, log_tag, (long)getpid(),
		    level_prefix[level], msg);
		if (n >= (int)sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (log_fd >= 0 && write(log_fd, line, (size_t)n) < 0) {
			/* nowhere better to say it */
		}
		if (log_to_stderr) {
			/* stderr gets the short form, without the time */
			n = snprintf(line, sizeof(line), "%s: %s%s\n", log_tag,
			    level_prefix[level], msg);
			if (n >= (int)sizeof(line))
				n = sizeof(line) - 1;
			if (write(STDERR_FILENO, line, (size_t)n) < 0) {
				/* ignore */
			}
		}
	}
	errno = saved;
}

#define LOG_FUNC(name, level)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	log_emit(level, fmt, ap);			\
	va_end(ap);					\
}

/* log_debug, log_info, log_warn, log_error - log and go on */
LOG_FUNC(log_debug, L_DEBUG)
LOG_FUNC(log_info, L_INFO)
LOG_FUNC(log_warn, L_WARN)
LOG_FUNC(log_error, L_ERROR)

/* log_fatal - the environment or configuration is broken: exit 1 */
void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(L_FATAL, fmt, ap);
	va_end(ap);
	if (log_exit_hook)
		log_exit_hook(1);
	exit(1);
}

/* log_panic - our own invariant broke: abort for a core */
void
log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(L_PANIC, fmt, ap);
	va_end(ap);
	if (log_exit_hook)
		log_exit_hook(2);
	abort();
}
