/* exchange.c — the REST client.  Transient failures are told from
 * permanent ones because run-batch retries the first kind
 * (CT_EXIT_TEMPFAIL) and reports the second: an unknown symbol will not
 * heal by waiting. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "exchange.h"
#include "import.h"
#include "parse.h"
#include "timefmt.h"

#define TRIES		5
#define BASE_MS		1000	/* first backoff; doubles per try */
#define WAIT_MAX_S	60	/* longer Retry-After: give up, let cron come back */
/* A candle counts as closed this long after its close time: the
 * exchange's clock may be a few seconds behind ours, and its kline for a
 * candle just closed may trail.  A candle stored too early would stay
 * partial for good (the next run starts after it). */
#define MARGIN_MS	5000
#define BODY_MAX	(64 << 20)
/* A request's whole time: a page of 1000 rows is about 150 KB, which
 * takes well under a second; a server that accepts and never answers
 * holds the store's lock for TRIES times this. */
#define TIMEOUT_MS	20000
#define CONNECT_MS	10000

/* SIGINT, SIGTERM or SIGHUP during the fetch: the transfer is aborted
 * (the progress callback), waits are cut short, and the caller saves the
 * pages got, outside the handler. */
static volatile sig_atomic_t stop_sig;
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void
on_stop(int sig)
{
	stop_sig = sig;
}

static int
on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)p, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return stop_sig != 0;
}

/* Catch the stop signals (those not ignored) until release_stop: no
 * SA_RESTART, so a sleep ends at once. */
static void
catch_stop(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigfillset(&sa.sa_mask);
	stop_sig = 0;
	for (size_t i = 0; i < sizeof stop_sigs / sizeof stop_sigs[0]; i++)
		if (sigaction(stop_sigs[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
			sigaction(stop_sigs[i], &sa, NULL);
}

static void
release_stop(const struct sigaction *old)
{
	for (size_t i = 0; i < sizeof stop_sigs / sizeof stop_sigs[0]; i++)
		sigaction(stop_sigs[i], &old[i], NULL);
}

struct resp {
	char *p;
	size_t n, cap;
	long retry_after;	/* seconds, -1 when absent */
	int toobig;
	char cerr[CURL_ERROR_SIZE];
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *vp)
{
	struct resp *r = vp;
	size_t len = size * nmemb;

	if (r->n + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1 << 16;
		char *p;

		while (cap < r->n + len + 1)
			cap *= 2;
		if (cap > BODY_MAX || (p = realloc(r->p, cap)) == NULL) {
			r->toobig = 1;
			return 0;
		}
		r->p = p;
		r->cap = cap;
	}
	memcpy(r->p + r->n, data, len);
	r->n += len;
	r->p[r->n] = '\0';
	return len;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *vp)
{
	struct resp *r = vp;
	size_t len = size * nmemb;
	static const char name[] = "retry-after:";
	char val[32];
	size_t k = sizeof name - 1, n = 0;
	long v;

	if (len > k && strncasecmp(data, name, k) == 0) {
		while (k < len && (data[k] == ' ' || data[k] == '\t'))
			k++;
		while (k < len && n < sizeof val - 1 && data[k] >= '0' && data[k] <= '9')
			val[n++] = data[k++];
		val[n] = '\0';
		/* Only the seconds form; an HTTP-date falls back to backoff. */
		if (ct_parse_long(val, 0, 86400 * 7, &v) == 0)
			r->retry_after = v;
	}
	return len;
}

const char *
ct_exchange_url(const char *opt)
{
	const char *e = getenv("COINTRAIN_EXCHANGE_URL");

	if (opt && *opt)
		return opt;
	return e && *e ? e : CT_EXCHANGE_DEFAULT;
}

/* A number of milliseconds from the environment variable name, min to
 * max; def when unset or bad (said so). */
static long
env_ms(const char *name, long def, long min, long max)
{
	const char *e = getenv(name);
	long v;

	if (e == NULL || *e == '\0')
		return def;
	if (ct_parse_long(e, min, max, &v) != 0) {
		ct_warn("%s: not a number of milliseconds from %ld to %ld: \"%s\"; using %ld", name, min, max,
		    e, def);
		return def;
	}
	return v;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_sig)
		;
}

/* A 4xx body from Binance is {"code":-1121,"msg":"Invalid symbol."}. */
static void
say_refused(const char *sym, long status, const struct resp *r)
{
	json_t *j = r->n ? json_loadb(r->p, r->n, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "msg"));
	json_t *code = json_object_get(j, "code");
	char text[200];

	/* The message is the exchange's text: no control bytes reach the
	 * operator's terminal. */
	if (msg && json_is_integer(code))
		ct_warn("%s: the exchange refused the request: %s (HTTP %ld, code %lld)", sym,
		    ct_printable(msg, text, sizeof text), status, (long long)json_integer_value(code));
	else
		ct_warn("%s: the exchange refused the request: HTTP %ld", sym, status);
	json_decref(j);
}

/* One GET with retries.  0 with the body in r, or an exit code. */
static int
get(CURL *h, const char *url, const char *sym, struct resp *r)
{
	long status, wait, base = env_ms("COINTRAIN_RETRY_BASE_MS", BASE_MS, 0, 600000);
	CURLcode cc;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	for (int try = 1;; try++) {
		char why[CURL_ERROR_SIZE + 64];

		r->n = 0;
		r->retry_after = -1;
		r->toobig = 0;
		r->cerr[0] = '\0';
		cc = curl_easy_perform(h);
		if (stop_sig)
			return CT_EXIT_TEMPFAIL;
		status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (r->toobig) {
			ct_warn("%s: response larger than %d bytes", url, BODY_MAX);
			return CT_EXIT_FAIL;
		}
		if (cc == CURLE_OK && status == 200)
			return 0;
		wait = base << (try - 1);
		if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL ||
		    cc == CURLE_PEER_FAILED_VERIFICATION) {
			/* A wrong --base-url or certificate does not heal. */
			ct_warn("%s: %s", url, r->cerr[0] ? r->cerr : curl_easy_strerror(cc));
			return CT_EXIT_FAIL;
		}
		if (cc != CURLE_OK) {
			snprintf(why, sizeof why, "%s", r->cerr[0] ? r->cerr : curl_easy_strerror(cc));
		} else if (status == 429 || status == 418) {
			snprintf(why, sizeof why, "rate limited (HTTP %ld)", status);
			if (r->retry_after > WAIT_MAX_S) {
				ct_warn("%s: %s; the exchange asks to wait %ld s", url, why, r->retry_after);
				return CT_EXIT_TEMPFAIL;
			}
			if (r->retry_after >= 0)
				wait = r->retry_after * 1000;
		} else if (status >= 500 || status == 408) {
			/* 408: the server timed the request out; it may not next time. */
			snprintf(why, sizeof why, "HTTP %ld", status);
		} else if (status >= 300 && status < 400) {
			char *to = NULL, text[200];

			/* Not followed (a changed host is the operator's to
			 * choose); named, so --base-url can be fixed. */
			curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &to);
			ct_warn("%s: the exchange redirects (HTTP %ld) to %s: fix --base-url", url, status,
			    to ? ct_printable(to, text, sizeof text) : "an unnamed place");
			return CT_EXIT_FAIL;
		} else {
			say_refused(sym, status, r);
			return CT_EXIT_FAIL;
		}
		if (try == TRIES) {
			ct_warn("%s: %s; giving up after %d tries", url, why, TRIES);
			return CT_EXIT_TEMPFAIL;
		}
		ct_warn("%s: %s; retrying in %ld ms (try %d of %d)", url, why, wait, try, TRIES);
		sleep_ms(wait);
		if (stop_sig)
			return CT_EXIT_TEMPFAIL;
	}
}

static CURL *
handle(void)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cointrain/" CT_VERSION);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, env_ms("COINTRAIN_REQUEST_TIMEOUT_MS", TIMEOUT_MS, 1, 600000));
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	return h;
}

/* The closed candles of a page from cur on go to m; *open is set at the
 * first still open.  0 or CT_EXIT_FAIL. */
static int
take_page(const struct ct_klines *q, const struct ct_series *page, int64_t cur, struct ct_merger *m,
    int *open)
{
	for (size_t i = 0; i < page->n; i++) {
		const struct ct_candle *c = &page->c[i];

		if (c->t < cur || c->t > q->end)
			continue;
		/* Its close time (open + interval - 1 ms) is still to come. */
		if (c->t + q->tf_ms - 1 > q->end) {
			*open = 1;
			break;
		}
		if (ct_merger_put(m, c) != 0)
			return CT_EXIT_FAIL;
	}
	return 0;
}

int
ct_klines_page(const struct ct_klines *q, const char *body, size_t len, const char *url,
    int64_t *cur, int *last, struct ct_series *page, struct ct_merger *m)
{
	size_t lead = 0;
	int open = 0;

	page->n = 0;
	*last = 1;
	while (lead < len && memchr(" \t\r\n", body[lead], 4) != NULL)
		lead++;
	/* The importer would take CSV too; the API answers JSON only. */
	/* An HTML page with 200 is a maintenance page, a captive portal or
	 * a CDN's error: worth a retry later. */
	if (lead < len && body[lead] == '<') {
		ct_warn("%s: bad response: an HTML page, not klines (maintenance?)", url);
		return CT_EXIT_TEMPFAIL;
	}
	if (lead == len || body[lead] != '[') {
		ct_warn("%s: bad response: not a JSON array of klines", url);
		return CT_EXIT_FAIL;
	}
	if (ct_import_buf(body, len, url, page) != 0 || take_page(q, page, *cur, m, &open) != 0)
		return CT_EXIT_FAIL;
	/* A page shorter than asked is not the end: some endpoints and
	 * proxies cap or window their pages.  The end is an empty page, the
	 * candle still open, or --end. */
	if (open || page->n == 0)
		return 0;
	if (page->c[page->n - 1].t < *cur) {
		ct_warn("%s: the response does not advance past startTime", url);
		return CT_EXIT_FAIL;
	}
	*cur = page->c[page->n - 1].t + 1;
	*last = *cur > q->end;
	return 0;
}

static int
fetch(CURL *h, const struct ct_klines *q, struct ct_merger *m)
{
	struct resp r = { 0 };
	struct ct_series page = { 0 };
	char url[4096];
	size_t blen = strlen(q->base);
	int64_t cur = q->start;
	int rc = 0, last = 0;

	while (blen > 0 && q->base[blen - 1] == '/')
		blen--;
	while (!last) {
		if (snprintf(url, sizeof url, "%.*s/api/v3/klines?symbol=%s&interval=%s&startTime=%lld&endTime=%lld&limit=%d",
		    (int)blen, q->base, q->symbol, q->interval, (long long)cur, (long long)q->end,
		    q->limit) >= (int)sizeof url) {
			ct_warn("%s: base URL too long", q->base);
			rc = CT_EXIT_FAIL;
			break;
		}
		if ((rc = get(h, url, q->symbol, &r)) != 0 ||
		    (rc = ct_klines_page(q, r.p, r.n, url, &cur, &last, &page, m)) != 0)
			break;
	}
	ct_series_free(&page);
	free(r.p);
	return rc;
}

int
ct_klines_fetch(const struct ct_klines *want, struct ct_merger *m, int *sig)
{
	struct sigaction old[sizeof stop_sigs / sizeof stop_sigs[0]];
	struct ct_klines k = *want, *q = &k;
	int64_t now = ct_now_ms(), margin = env_ms("COINTRAIN_CLOSE_MARGIN_MS", MARGIN_MS, 0, 60000), newest;
	CURL *h;
	int rc;

	/* However late --end is, a candle closing after now is still open:
	 * stored, it would stay, as the next run starts after it. */
	if (k.end > now)
		k.end = now;
	*sig = 0;
	if (ct_merger_source(m, q->base) != 0 || ct_merger_run(m, q->base) != 0)
		return CT_EXIT_FAIL;
	/* The store already reaches past --end: nothing to ask for (Binance
	 * refuses startTime > endTime with HTTP 400). */
	if (q->start > q->end)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (h = handle()) == NULL) {
		ct_warn("%s", "cannot initialise libcurl");
		return CT_EXIT_FAIL;
	}
	catch_stop(old);
	/* The newest candle wanted closed less than the margin ago: wait
	 * the rest (seconds), so a cron job at the boundary gets it rather
	 * than leave it to the next run. */
	newest = (k.end + 1) / k.tf_ms * k.tf_ms - 1;	/* its close time */
	if (newest > now - margin && newest - k.tf_ms + 1 >= k.start)
		sleep_ms((long)(newest + margin - now));
	rc = stop_sig ? CT_EXIT_TEMPFAIL : fetch(h, q, m);
	release_stop(old);
	*sig = stop_sig;
	curl_easy_cleanup(h);
	curl_global_cleanup();
	/* What came before a temporary failure or a signal are whole pages
	 * of closed candles: a source the caller may save. */
	if ((rc == 0 || rc == CT_EXIT_TEMPFAIL) && ct_merger_end(m, 0) != 0)
		return CT_EXIT_FAIL;
	return rc;
}
