/* timefmt.c — UTC only: candles, logs and stamps never depend on TZ. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

int64_t
ct_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct tm *
utc(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);

	return gmtime_r(&t, tm);
}

char *
ct_iso8601(int64_t ms, char buf[CT_ISO_LEN])
{
	struct tm tm;

	if (utc(ms, &tm) == NULL || strftime(buf, CT_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(buf, "invalid-time");
	return buf;
}

char *
ct_stamp(int64_t ms, char buf[CT_ISO_LEN])
{
	struct tm tm;

	if (utc(ms, &tm) == NULL || strftime(buf, CT_ISO_LEN, "%Y%m%d_%H%M%SZ", &tm) == 0)
		strcpy(buf, "invalid-time");
	return buf;
}

char *
ct_run_stamp(int64_t ms, char buf[CT_ISO_LEN])
{
	struct tm tm;

	if (utc(ms, &tm) == NULL || strftime(buf, CT_ISO_LEN, "%Y%m%dT%H%MZ", &tm) == 0)
		strcpy(buf, "invalid-time");
	return buf;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
ct_parse_iso8601(const char *s, int64_t *ms)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	size_t len = strlen(s);

	/* sscanf's %d would also take signs and leading blanks. */
	for (size_t i = 0; i < len && i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return -1;
	if (len == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return -1;
	} else if (len == 20) {
		if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 20)
			return -1;
	} else {
		return -1;
	}
	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 60 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL;
	return 0;
}

json_t *
ct_iso8601_json(int64_t ms)
{
	char buf[CT_ISO_LEN];

	return json_string(ct_iso8601(ms, buf));
}
