/* status.c - descriptions and exit codes of ss_status, read from one table. */
#include "ss_status.h"

#include <stddef.h>

struct status_info {
	int exit_code;
	const char *text;
};

static const struct status_info status_table[] = {
#define SS_STATUS_INFO_(name, exit_code, text) { exit_code, text },
	SS_STATUS_LIST(SS_STATUS_INFO_)
#undef SS_STATUS_INFO_
};

#define STATUS_COUNT (sizeof(status_table) / sizeof(status_table[0]))

const char *ss_status_str(ss_status st)
{
	if ((size_t)st >= STATUS_COUNT)
		return "unknown error";
	return status_table[st].text;
}

int ss_status_exit_code(ss_status st)
{
	if ((size_t)st >= STATUS_COUNT)
		return SS_EXIT_FAILURE;
	return status_table[st].exit_code;
}
