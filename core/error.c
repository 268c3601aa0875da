/* error.c — filling struct sg_error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/error.h"

int sg_error_vset(struct sg_error *err, enum sg_errcode code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	return -1;
}

int sg_error_set(struct sg_error *err, enum sg_errcode code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int sg_error_errno(struct sg_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	sg_error_vset(err, SG_E_IO, fmt, ap);
	va_end(ap);
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

void sg_error_prefix(struct sg_error *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof err->msg];
	va_list ap;
	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

void sg_error_clear(struct sg_error *err)
{
	if (err) {
		err->code = SG_E_NONE;
		err->msg[0] = '\0';
	}
}
