/*
 * See msgbuf.h.
 */
#include "msgbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pctld_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void pctld_note_add(char *notes, size_t noteslen, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!noteslen)
		return;
	n = strnlen(notes, noteslen);
	if (n && n + 2 < noteslen) {
		memcpy(notes + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	if (n < noteslen)
		vsnprintf(notes + n, noteslen - n, fmt, ap);
	va_end(ap);
}
