/*
 * log.h - one line per event, to syslog, a log file and/or stderr.
 *
 * Exports log_open, log_set_file, log_set_stderr, log_set_syslog,
 * log_set_tag, log_debug, log_info, log_warn, log_error, log_fatal,
 * log_panic, log_verbose (the -v level) and log_set_exit_hook (tests).
 * Levels follow Postfix: warn/error are logged and work goes on; fatal
 * means the environment or configuration is broken (exit 1); panic
 * means our own invariant broke (abort for a core).  %m works (glibc).
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

extern int log_verbose;

void	log_open(const char *tag);
void	log_set_tag(const char *tag);
int	log_set_file(const char *path);
void	log_set_stderr(int on);
void	log_set_syslog(int on, const char *facility);
void	log_set_exit_hook(void (*)(int));

void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_fatal(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
void	log_panic(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

#endif
