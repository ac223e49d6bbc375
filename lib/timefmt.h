/* timefmt.h — times as Unix milliseconds and ISO-8601 UTC text. */
#ifndef CT_TIMEFMT_H
#define CT_TIMEFMT_H

#include <stdint.h>

#include <jansson.h>

#define CT_ISO_LEN 32

int64_t ct_now_ms(void);
/* "2025-11-12T06:00:00Z" (whole seconds; milliseconds dropped). */
char *ct_iso8601(int64_t ms, char buf[CT_ISO_LEN]);
/* The same as a new JSON string. */
json_t *ct_iso8601_json(int64_t ms);
/* Parse "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD" (UTC). 0 or -1. */
int ct_parse_iso8601(const char *s, int64_t *ms);
/* Model stamp "YYYYMMDD_HHMMSSZ" and run stamp "YYYYMMDDTHHMMZ". */
char *ct_stamp(int64_t ms, char buf[CT_ISO_LEN]);
char *ct_run_stamp(int64_t ms, char buf[CT_ISO_LEN]);

#endif
