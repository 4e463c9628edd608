/*
 * msgfmt.h - small pieces of the one-line messages the model writes into a
 * caller's buffer (state input, capture sources).
 */
#ifndef SS_MSGFMT_H
#define SS_MSGFMT_H

#include <stddef.h>

/* printf into err[err_size]; nothing when err is NULL or err_size 0. */
void msg_printf(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A byte count as a person would set a limit: "64 MiB", "512 KiB", "1000 bytes". */
void msg_size(size_t n, char *buf, size_t size);

#endif
