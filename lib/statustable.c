/* statustable.c — the columns of a coin's row as people read them, the
 * one table coin-status prints and the dashboard shows. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coinstatus.h"
#include "parse.h"
#include "text.h"

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

char *
ct_status_age(int64_t s, char *buf, size_t n)
{
	const char *sign = s < 0 ? "-" : "";

	s = s < 0 ? -s : s;
	if (s < 90)
		snprintf(buf, n, "%s%llds", sign, (long long)s);
	else if (s < 90 * 60)
		snprintf(buf, n, "%s%lldm", sign, (long long)(s / 60));
	else if (s < 48 * 3600)
		snprintf(buf, n, "%s%.1fh", sign, (double)s / 3600);
	else
		snprintf(buf, n, "%s%.1fd", sign, (double)s / 86400);
	return buf;
}

/* "2025-11-12T06:00:00Z" to the minute: "2025-11-12T06:00Z". */
static void
short_time(const char *iso, char *buf, size_t n)
{
	if (strlen(iso) == 20)
		snprintf(buf, n, "%.16sZ", iso);
	else
		snprintf(buf, n, "%s", iso);
}

static void
threshold(const json_t *row, char *buf, size_t n)
{
	const json_t *m = json_object_get(row, "model"), *t = json_object_get(m, "threshold");

	if (json_is_true(json_object_get(m, "never_trades")))
		snprintf(buf, n, "never trades");
	else if (json_is_number(t))
		snprintf(buf, n, "%.3f", json_number_value(t));
}

static void
expires(const json_t *row, char *buf, size_t n)
{
	const json_t *c = json_object_get(row, "cache"), *in = json_object_get(c, "expires_in_s");

	if (json_object_get(c, "error"))
		snprintf(buf, n, "unreadable");
	else if (json_is_true(json_object_get(c, "expired")))
		snprintf(buf, n, "expired");
	else if (json_is_integer(in))
		ct_status_age(json_integer_value(in), buf, n);
}

static void
drift(const json_t *row, char *buf, size_t n)
{
	const json_t *d = json_object_get(row, "drift"), *psi = json_object_get(d, "max_psi");

	if (json_object_get(d, "error"))
		snprintf(buf, n, "unreadable");
	else if (json_is_true(json_object_get(d, "stale")))
		snprintf(buf, n, "unchecked");
	else if (json_is_number(psi))
		snprintf(buf, n, "%s:%.3f", str(d, "status") ? str(d, "status") : "checked",
		    json_number_value(psi));
	else if (str(d, "status"))
		snprintf(buf, n, "%s", str(d, "status"));
}

/* "full:success,incremental:failed"; a cycle whose newest ledger cannot
 * be read is "unreadable". */
/* What the figures are, and of how many rows when few: "held-out, 59
 * rows" (an update's newest candles; so few make a noisy AUC). */
static void
figures(const json_t *row, char *buf, size_t n)
{
	const json_t *m = json_object_get(row, "model"), *rows = json_object_get(m, "rows");
	const char *ev = str(m, "evaluation");

	if (ev == NULL)
		return;
	if (json_is_integer(rows) && json_integer_value(rows) < CT_STATUS_FEW_ROWS)
		snprintf(buf, n, "%s, %lld rows", ev, (long long)json_integer_value(rows));
	else
		snprintf(buf, n, "%s", ev);
}

static void
last_run(const json_t *row, char *buf, size_t n)
{
	const char *cycle;
	size_t len = 0;
	json_t *e;

	json_object_foreach(json_object_get(row, "last_run"), cycle, e) {
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s:%s", len ? "," : "", cycle,
			    str(e, "status") ? str(e, "status") : str(e, "error") ? "unreadable" : "?");
	}
}

static void
flags(const json_t *row, char *buf, size_t n)
{
	size_t len = 0, i;
	json_t *f;

	json_array_foreach(json_object_get(row, "flags"), i, f) {
		if (len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
			    json_string_value(f));
	}
}

#define NUM(name, sect, key, d) { name, sect, key, CT_COL_NUM, d, NULL, 1 }
#define TXT(name, sect, key) { name, sect, key, CT_COL_TEXT, 0, NULL, 0 }
#define FN(name, fn, right) { name, NULL, NULL, CT_COL_FN, 0, fn, right }

const struct ct_status_col ct_status_cols[] = {
	TXT("SYMBOL", NULL, "symbol"),
	TXT("TF", NULL, "timeframe"),
	NUM("ROWS", "candles", "rows", 0),
	{ "FIRST", "candles", "first", CT_COL_TIME, 0, NULL, 0 },
	{ "LAST", "candles", "last", CT_COL_TIME, 0, NULL, 0 },
	{ "CANDLE_AGE", "candles", "age_s", CT_COL_AGE, 0, NULL, 1 },
	NUM("GAPS", "candles", "gaps", 0),
	TXT("MODEL", "model", "stamp"),
	{ "MODEL_AGE", "model", "age_s", CT_COL_AGE, 0, NULL, 1 },
	{ "TRAINED_TO", "model", "trained_to", CT_COL_TIME, 0, NULL, 0 },
	TXT("PARAMS", "model", "params"),
	FN("FIGURES", figures, 0),
	NUM("AUC", "model", "auc", 3),
	NUM("TRADES", "model", "trades", 0),
	FN("THRESHOLD", threshold, 1),
	NUM("NET_BPS/TRADE", "model", "net_bps_per_trade", 1),
	NUM("TOTAL_BPS", "model", "total_net_bps", 0),
	NUM("BUY_HOLD_BPS", "model", "buy_hold_bps", 0),
	TXT("SIGNAL", "cache", "signal"),
	NUM("PROB_UP", "cache", "prob_up", 4),
	FN("EXPIRES_IN", expires, 1),
	FN("DRIFT", drift, 0),
	FN("LAST_RUN", last_run, 0),
	FN("FLAGS", flags, 0),
};
const size_t ct_status_ncols = sizeof ct_status_cols / sizeof ct_status_cols[0];

void
ct_status_cell(const struct ct_status_col *c, const json_t *row, char *buf, size_t n)
{
	const json_t *v = json_object_get(c->sect ? json_object_get(row, c->sect) : row, c->key);

	buf[0] = '\0';
	if (c->kind == CT_COL_FN)
		c->fn(row, buf, n);
	else if (c->kind == CT_COL_NUM && json_is_number(v))
		snprintf(buf, n, "%.*f", c->decimals, json_number_value(v));
	else if (c->kind == CT_COL_AGE && json_is_integer(v))
		ct_status_age(json_integer_value(v), buf, n);
	else if (c->kind == CT_COL_TIME && json_is_string(v))
		short_time(json_string_value(v), buf, n);
	else if (c->kind == CT_COL_TEXT && json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	if (buf[0] == '\0')
		snprintf(buf, n, "-");
	/* Text from the data files (a cached signal, a drift status) goes to
	 * a terminal: control bytes as '?', as ledger(1) shows them, so
	 * none can move the cursor or retitle the window. */
	ct_printable(buf, buf, n);
}

size_t
ct_status_pick(const char *list, size_t *pick, const char **bad)
{
	static char name[64];
	size_t n = 0, len;
	const char *p = list;

	for (;;) {
		size_t c;

		len = strcspn(p, ",");
		snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
		for (c = 0; c < ct_status_ncols && strcasecmp(name, ct_status_cols[c].name) != 0; c++)
			;
		for (size_t i = 0; c < ct_status_ncols && i < n; i++)
			if (pick[i] == c)
				c = ct_status_ncols;
		if (len == 0 || len >= sizeof name || c == ct_status_ncols) {
			*bad = name;
			return 0;
		}
		pick[n++] = c;
		if (p[len] == '\0')
			return n;
		p += len + 1;
	}
}

#define CELL 160

/* One line of nc cells: text left-aligned and padded (but the last),
 * numbers right; widths in characters, so that text such as "é" keeps
 * the columns. */
static void
print_row(FILE *fp, char (*cells)[CELL], const size_t *w, const size_t *pick, size_t nc)
{
	for (size_t c = 0; c < nc; c++) {
		size_t n = ct_utf8_chars(cells[c]);
		int pad = (int)(w[c] > n ? w[c] - n : 0);
		int right = ct_status_cols[pick[c]].right;

		if (!right && c + 1 == nc)
			pad = 0;
		fprintf(fp, "%s%*s%s%*s", c ? "  " : "", right ? pad : 0, "", cells[c],
		    right ? 0 : pad, "");
	}
	fputc('\n', fp);
}

int
ct_status_table(json_t *rows, const size_t *pick, size_t nc, FILE *fp)
{
	size_t nr = json_array_size(rows), all[sizeof ct_status_cols / sizeof ct_status_cols[0]], c, r;
	char (*cells)[CELL];
	size_t *w;

	if (pick == NULL) {
		for (c = 0; c < ct_status_ncols; c++)
			all[c] = c;
		pick = all;
		nc = ct_status_ncols;
	}
	cells = calloc((nr + 1) * nc, CELL);
	w = calloc(nc, sizeof *w);
	for (c = 0; cells && w && c < nc; c++) {
		snprintf(cells[c], CELL, "%s", ct_status_cols[pick[c]].name);
		for (r = 0; r < nr; r++)
			ct_status_cell(&ct_status_cols[pick[c]], json_array_get(rows, r),
			    cells[(r + 1) * nc + c], CELL);
		for (r = 0; r <= nr; r++)
			if (ct_utf8_chars(cells[r * nc + c]) > w[c])
				w[c] = ct_utf8_chars(cells[r * nc + c]);
	}
	for (r = 0; cells && w && r <= nr; r++)
		print_row(fp, cells + r * nc, w, pick, nc);
	r = cells && w;
	free(cells);
	free(w);
	return r ? 0 : -1;
}
