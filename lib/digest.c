/* digest.c — file hashing through libcrypto's EVP interface. */
#include <errno.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "digest.h"
#include "regfile.h"

int
ct_sha256_file(const char *path, char hex[CT_SHA256_HEX])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	FILE *fp;
	size_t n;
	int ok, e;

	if ((fp = ct_fopen_regular(path)) == NULL)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		fclose(fp);
		errno = ENOMEM;
		return -1;
	}
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	while (ok && (n = fread(buf, 1, sizeof buf, fp)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n) == 1;
	e = ferror(fp) ? errno : 0;
	ok = ok && !e && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	fclose(fp);
	if (!ok) {
		errno = e ? e : EIO;
		return -1;
	}
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
