/* modelfiles.c — a model directory's files, without XGBoost: sha256.txt
 * (written and checked), the coins with a model, and models/SYM/current.
 * Tools that only look at models (coin-status) link this, not model.c. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "atomic.h"
#include "digest.h"
#include "err.h"
#include "exitcode.h"
#include "jsonfile.h"
#include "model.h"
#include "parse.h"
#include "regfile.h"
#include "symbols.h"

static const char *const model_files[] = CT_MODEL_FILES;

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that keep(dir, name, arg) accepts, sorted, NULL-ended,
 * malloc'd (free with ct_model_symbols_free); NULL with errno on error,
 * ENOENT when dir does not exist. */
static char **
names(const char *dir, int (*keep)(const char *dir, const char *name, const void *arg),
    const void *arg)
{
	char **v;
	size_t n = 0;
	struct dirent *e = NULL;
	DIR *d;

	if ((v = calloc(1, sizeof *v)) == NULL || (d = opendir(dir)) == NULL) {
		free(v);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		char **t;

		if (!keep(dir, e->d_name, arg))
			continue;
		if ((t = realloc(v, (n + 2) * sizeof *v)) == NULL)
			break;
		v = t;
		if ((v[n] = strdup(e->d_name)) == NULL)
			break;
		v[++n] = NULL;
	}
	closedir(d);
	if (e != NULL) {
		ct_model_symbols_free(v);
		errno = ENOMEM;
		return NULL;
	}
	qsort(v, n, sizeof *v, cmp_name);
	return v;
}

/* An artifact: a regular file but sha256.txt and hidden ones (temporaries). */
static int
is_artifact(const char *dir, const char *name, const void *arg)
{
	char path[CT_PATH_MAX];
	struct stat st;

	(void)arg;
	return name[0] != '.' && strcmp(name, "sha256.txt") != 0 &&
	    ct_path(path, sizeof path, "%s/%s", dir, name) == 0 &&
	    lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A model directory's artifacts, whatever they are. */
static char **
artifacts(const char *dir)
{
	return names(dir, is_artifact, NULL);
}

int
ct_model_write_sums(const char *dir)
{
	char path[CT_PATH_MAX], hex[CT_SHA256_HEX], **files;
	struct ct_afile af;
	int rc = -1;

	if ((files = artifacts(dir)) == NULL) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (ct_path(path, sizeof path, "%s/sha256.txt", dir) != 0 ||
	    ct_afile_open(&af, path) != 0) {
		ct_warn("%s/sha256.txt: %s", dir, strerror(errno));
		goto out;
	}
	for (size_t i = 0; files[i]; i++) {
		if (ct_path(path, sizeof path, "%s/%s", dir, files[i]) != 0 ||
		    ct_sha256_file(path, hex) != 0) {
			ct_warn("%s/%s: %s", dir, files[i], strerror(errno));
			ct_afile_abort(&af);
			goto out;
		}
		fprintf(af.fp, "%s  %s\n", hex, files[i]);
	}
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s/sha256.txt: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; files[i]; i++)
		free(files[i]);
	free(files);
	return rc;
}

static int
hexok(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Is name one of v (NULL-terminated)? */
static int
named(const char *const *v, const char *name)
{
	while (*v && strcmp(*v, name) != 0)
		v++;
	return *v != NULL;
}

/* The file a sha256.txt line names (its newline cut), or NULL if the
 * line is not sha256sum's text mode: 64 hex digits, two spaces, the name
 * (relative, no directories: a sum file must not reach out).  A NUL byte
 * makes a line malformed: the name would end at it, and a file whose
 * tail a crash zero-filled would pass for whole. */
static const char *
sum_name(char *line, ssize_t len)
{
	const char *name = line + 66;

	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len < 67 || memchr(line, '\0', (size_t)len) != NULL || !hexok(line) ||
	    line[64] != ' ' || line[65] != ' ' ||
	    strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;
	return name;
}

/* dir/name as line lists it: its sum checked (hash), or only there as a
 * regular file.  0, or -1 with the reason printed. */
static int
sum_check(const char *dir, const char *name, const char *line, int hash)
{
	char path[CT_PATH_MAX], hex[CT_SHA256_HEX];
	struct stat st;

	if (ct_path(path, sizeof path, "%s/%s", dir, name) != 0 ||
	    (hash ? ct_sha256_file(path, hex) : stat(path, &st)) != 0) {
		ct_warn("%s/%s: %s", dir, name, ct_file_strerror(errno));
		return -1;
	}
	if (hash && memcmp(hex, line, 64) != 0) {
		ct_warn("%s/%s: checksum mismatch", dir, name);
		return -1;
	}
	if (!hash && !S_ISREG(st.st_mode)) {
		ct_warn("%s/%s: not a regular file", dir, name);
		return -1;
	}
	return 0;
}

/* Each of want (NULL-terminated) not marked in seen is missing from
 * sha256.txt: printed, -1.  Names skip lists those checked elsewhere. */
static int
sum_listed(const char *dir, const char *const *want, const int *seen, const char *const *skip)
{
	int bad = 0;

	for (size_t i = 0; want && want[i]; i++)
		if (!seen[i] && !(skip && named(skip, want[i]))) {
			ct_warn("%s/%s: not listed in sha256.txt", dir, want[i]);
			bad = -1;
		}
	return bad;
}

int
ct_model_verify_files(const char *dir, const char *const *only)
{
	char path[CT_PATH_MAX], *line = NULL;
	size_t cap = 0, lineno = 0, nonly = 0;
	int listed[sizeof model_files / sizeof model_files[0]] = { 0 };
	int *only_listed, bad = 0;
	ssize_t len;
	FILE *fp;

	while (only && only[nonly])
		nonly++;
	if ((only_listed = calloc(nonly + 1, sizeof *only_listed)) == NULL) {
		ct_warn("%s/sha256.txt: %s", dir, strerror(ENOMEM));
		return -1;
	}
	if (ct_path(path, sizeof path, "%s/sha256.txt", dir) != 0 ||
	    (fp = ct_fopen_regular(path)) == NULL) {
		ct_warn("%s/sha256.txt: %s", dir, ct_file_strerror(errno));
		free(only_listed);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		const char *name = sum_name(line, len);
		size_t i = 0;

		lineno++;
		if (name == NULL) {
			ct_warn("%s/sha256.txt:%zu: malformed line", dir, lineno);
			bad = 1;
			continue;
		}
		for (i = 0; model_files[i]; i++)
			listed[i] |= strcmp(name, model_files[i]) == 0;
		for (i = 0; only && only[i] && strcmp(only[i], name) != 0; i++)
			;
		only_listed[i] = 1;
		/* With only, a file it leaves out is not hashed, but must be there. */
		bad |= sum_check(dir, name, line, !only || only[i] != NULL) != 0;
	}
	if (ferror(fp)) {
		ct_warn("%s/sha256.txt: %s", dir, strerror(errno));
		bad = 1;
	}
	free(line);
	fclose(fp);
	bad |= sum_listed(dir, model_files, listed, NULL) != 0;
	bad |= sum_listed(dir, only, only_listed, model_files) != 0;
	free(only_listed);
	return bad ? -1 : 0;
}

/* Every artifact of dir is listed in its sha256.txt (else a file could
 * be changed unseen by leaving its line out).  0, or -1 printed. */
static int
all_listed(const char *dir)
{
	char path[CT_PATH_MAX], **files = artifacts(dir), *line = NULL, **listed = NULL, **t;
	size_t cap = 0, n = 0;
	ssize_t len;
	int bad = files == NULL;
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/sha256.txt", dir) != 0 || (fp = ct_fopen_regular(path)) == NULL) {
		ct_model_symbols_free(files);
		ct_warn("%s/sha256.txt: %s", dir, ct_file_strerror(errno));
		return -1;
	}
	while (!bad && (len = getline(&line, &cap, fp)) != -1) {
		const char *name = sum_name(line, len);

		if (name && ((t = realloc(listed, (n + 2) * sizeof *t)) == NULL ||
		    ((listed = t)[n] = strdup(name)) == NULL))
			bad = 1;
		else if (name)
			listed[++n] = NULL;
	}
	fclose(fp);
	free(line);
	for (size_t i = 0; !bad && listed && files[i]; i++)
		if (!named((const char *const *)listed, files[i])) {
			ct_warn("%s/%s: not listed in sha256.txt", dir, files[i]);
			bad = -1;
		}
	if (bad > 0)
		ct_warn("%s: %s", dir, strerror(ENOMEM));
	ct_model_symbols_free(listed);
	ct_model_symbols_free(files);
	return bad ? -1 : 0;
}

int
ct_model_verify(const char *dir)
{
	return ct_model_verify_files(dir, NULL) != 0 || all_listed(dir) != 0 ? -1 : 0;
}

int
ct_model_verify_coin(const char *dir, const char *sym)
{
	char path[CT_PATH_MAX], ex[CT_EXCERPT_LEN];
	const char *s;
	json_t *cfg;
	int rc = -1;

	if (ct_model_verify(dir) != 0)
		return -1;
	if (ct_path(path, sizeof path, "%s/config.json", dir) != 0 ||
	    (cfg = ct_json_load(path, 0)) == NULL)
		return -1;
	if ((s = json_string_value(json_object_get(cfg, "symbol"))) == NULL)
		ct_json_member_warn(path, NULL, "symbol", "symbol: missing or not a string");
	else if (strcmp(s, sym) != 0)
		ct_warn("%s: the model is for %s, not %s", path, ct_excerpt(s, strlen(s), ex), sym);
	else
		rc = 0;
	json_decref(cfg);
	return rc;
}

/* A coin with a current model (arg: the data home). */
static int
has_model(const char *dir, const char *name, const void *home)
{
	char cur[CT_PATH_MAX];

	(void)dir;
	return ct_symbol_ok(name) && ct_model_current(cur, sizeof cur, home, name) == 0;
}

char **
ct_model_symbols(const char *home)
{
	char dir[CT_PATH_MAX], **v;

	if (ct_path(dir, sizeof dir, "%s/models", home) != 0)
		return NULL;
	if ((v = names(dir, has_model, home)) == NULL && errno == ENOENT)
		v = calloc(1, sizeof *v);
	return v;
}

void
ct_model_symbols_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int
ct_model_current(char *buf, size_t n, const char *home, const char *sym)
{
	char link[CT_PATH_MAX], target[CT_PATH_MAX];
	ssize_t len;

	if (!ct_symbol_ok(sym)) {
		errno = EINVAL;
		return -1;
	}
	if (ct_path(link, sizeof link, "%s/models/%s/current", home, sym) != 0)
		return -1;
	if ((len = readlink(link, target, sizeof target - 1)) < 0)
		return -1;
	target[len] = '\0';
	/* train-coin links to a bare STAMP; anything else was not made by us. */
	if (strchr(target, '/') != NULL || target[0] == '.' || target[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	return ct_path(buf, n, "%s/models/%s/%s", home, sym, target);
}

const char *
ct_model_current_error(int err)
{
	return err == EINVAL ? "not a link to a model directory of the coin (train-coin links it "
	    "to a bare STAMP)" : strerror(err);
}

int
ct_each_model(const char *home, int (*fn)(const char *sym, void *arg), void *arg)
{
	char **syms = ct_model_symbols(home);
	int rc = CT_EXIT_OK;

	if (syms == NULL) {
		ct_warn("%s/models: %s", home, strerror(errno));
		return CT_EXIT_FAIL;
	}
	if (syms[0] == NULL) {
		ct_warn("%s/models: no coin has a model (train one: train-coin --symbol SYM "
		    "--timeframe TF)", home);
		rc = CT_EXIT_FAIL;
	}
	for (size_t i = 0; syms[i]; i++)
		rc = ct_exit_worst(rc, fn(syms[i], arg));
	ct_model_symbols_free(syms);
	return rc;
}
