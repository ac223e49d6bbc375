/* cache.h — the prediction cache: cache/predictions/<SYMBOL>.json (one
 * predict line plus "cached_at" and "expires_at") and cache/top.json (the
 * highest prob_up among fresh entries).  Writers hold cache/.lock; readers
 * take no lock, since every file is replaced by an atomic rename.
 * Kept free of XGBoost, curl and libarchive so that cache-get starts fast. */
#ifndef CT_CACHE_H
#define CT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The last expiry an entry can have: ISO-8601 as written here has four
 * digits of year, and a fifth would make the entry unreadable. */
#define CT_CACHE_MAX_EXPIRY_MS 253402300799000LL	/* 9999-12-31T23:59:59Z */

enum ct_cache_state {
	CT_CACHE_FRESH,		/* present and not expired */
	CT_CACHE_EXPIRED,	/* present, expires_at has passed */
	CT_CACHE_MISSING,	/* no entry (or no cache at all) */
	CT_CACHE_BAD,		/* unreadable or not an entry; diagnostic printed */
};

/* NULL when pred is a prediction line that can be cached (object with a
 * valid symbol, known timeframe, ISO open_time, prob_up in [0,1], signal
 * long|flat); else the reason, written into buf. */
const char *ct_cache_invalid(const json_t *pred, char *buf, size_t n);

/* expires_at of an entry cached at now_ms for ttl_s seconds, into *exp.
 * -1 when it would be past CT_CACHE_MAX_EXPIRY_MS (or ttl_s < 0). */
int ct_cache_expiry(int64_t now_ms, int64_t ttl_s, int64_t *exp);

/* The writers' lock, flock on cache/.lock (created with cache/).  Entry
 * writers hold it shared while they write (they do not wait for each
 * other); top.json, --clear and a restore hold it exclusively, which
 * waits for every entry writer, so the temporaries left then are killed
 * writers' and are removed.  Each returns a descriptor to close(), or -1
 * (diagnostic printed). */
int ct_cache_lock_shared(const char *home);
int ct_cache_lock(const char *home);		/* exclusive */
/* Shared to exclusive (flock converts: not atomic), then the sweep; 0 or -1. */
int ct_cache_lock_upgrade(int fd, const char *home);

/* 0 when pred's "model" (predict's models/SYM/STAMP) is the coin's current
 * model, or either is unknown; else -1, said: a prediction of a model the
 * coin no longer serves (a restore, a training, switched current while it
 * was made) is not to be cached.  Checked under the cache lock, which a
 * restore's forgetting of the old entries waits for, no such entry
 * outlives the restore. */
int ct_cache_served(const char *home, const char *sym, const json_t *pred);
/* The coin's stored entry when it is fresh at now_ms, of the same model
 * as pred, and predicted a later candle (a newer open_time): an older
 * line, of a slow pipeline or predict --history, is not to replace it.
 * Said; the caller's reference.  NULL otherwise (no entry, or it cannot
 * be read: the line is stored).  Two writers at once may still store
 * the older line last. */
json_t *ct_cache_newer(const char *home, const char *sym, const json_t *pred, int64_t now_ms);
/* Store a checked prediction as cache/predictions/<symbol>.json with
 * cached_at = now and expires_at = now + ttl_s (refused past
 * CT_CACHE_MAX_EXPIRY_MS).  Returns the stored entry
 * (caller json_decref()s it), or NULL with a diagnostic printed. */
json_t *ct_cache_put(const char *home, const json_t *pred, int64_t now_ms, int64_t ttl_s);

/* Look up one symbol's entry.  *entry is set (caller's reference) for
 * FRESH and EXPIRED, else NULL. */
enum ct_cache_state ct_cache_get(const char *home, const char *sym, int64_t now_ms,
    json_t **entry);

/* How far ahead of the clock an entry's cached_at may be (the ten minutes
 * a model's stamp may be, see summarize(1)). */
#define CT_CACHE_CLOCK_SKEW_MS (10 * 60 * 1000LL)
/* State of a loaded entry at now_ms (BAD when expires_at is unusable;
 * EXPIRED too when it was cached more than CT_CACHE_CLOCK_SKEW_MS ahead
 * of now_ms, by a clock set ahead). */
enum ct_cache_state ct_cache_entry_state(const json_t *entry, int64_t now_ms);
/* What cache-get makes of entry e, read from path as sym's: its state,
 * or BAD with "path: reason" in why when it may not be served (no valid
 * expires_at, not a prediction cache-put would store, another coin's). */
enum ct_cache_state ct_cache_judge(const char *path, const char *sym, const json_t *e,
    int64_t now_ms, char *why, size_t n);

/* Remove the entries of syms, or every entry (and stray temporaries) when
 * nsyms is 0.  A missing entry is not an error.  say: tell on stderr what
 * was removed ("SYM: entry removed", "SYM: no entry", "N entries
 * removed").  0 or -1 (diagnostic).  Call with the lock held. */
int ct_cache_clear(const char *home, char *const syms[], size_t nsyms, int say);
/* ct_cache_clear under the lock, then top.json rebuilt without them (or
 * removed when nsyms is 0), so no reader is served a removed entry. */
int ct_cache_forget(const char *home, char *const syms[], size_t nsyms, int say);

/* Rewrite cache/top.json with the n fresh entries of highest prob_up.
 * n == 0 keeps the size recorded in the existing top.json and does nothing
 * when there is none; n < 0 removes top.json.  0 or -1 (diagnostic). */
int ct_cache_top_rebuild(const char *home, long n, int64_t now_ms);

/* Update an existing cache/top.json, of the size it records, for the
 * entries just stored (put: symbol -> stored entry): merged into it when
 * that is exact, else rebuilt from every entry (a listed entry expired or
 * was replaced by a lower one); an entry of put no longer on disk is left
 * out.  Nothing when there is no top.json.  0 or -1 (diagnostic). */
int ct_cache_top_update(const char *home, const json_t *put, int64_t now_ms);

/* Load cache/top.json: *top gets its "predictions" array (caller's
 * reference).  Returns MISSING, BAD or FRESH (the file is there; each
 * entry has its own expiry, see ct_cache_entry_state). */
enum ct_cache_state ct_cache_top(const char *home, json_t **top);

/* Every entry of the cache at now_ms, for a health check: an object
 * {SYM: {"state": "fresh"|"expired"|"bad", "stale": bool,
 * "expires_at": text or null}}; "stale" is predict's flag (the prediction
 * was made from old candles).  Unreadable entries are "bad" (diagnostic
 * printed).  A missing cache is an empty object; NULL on a read error of
 * the directory (diagnostic printed). */
json_t *ct_cache_states(const char *home, int64_t now_ms);

/* Print entry as one compact JSON line on stdout; 0 or -1. */
int ct_cache_print(const json_t *entry);

/* 1 when o (a prediction, a cache entry, a model's config.json) has
 * threshold >= 1: train-coin's "never trade" (no threshold made money out
 * of sample beyond noise); without a threshold, 0. */
int ct_never_trades(const json_t *o);

#endif
