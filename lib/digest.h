/* digest.h — SHA-256 of files (libcrypto EVP), as sha256sum prints it. */
#ifndef CT_DIGEST_H
#define CT_DIGEST_H

#define CT_SHA256_HEX 65	/* 64 hex digits and the NUL */

/* Lower-case hex SHA-256 of the file at path.  0, or -1 with errno. */
int ct_sha256_file(const char *path, char hex[CT_SHA256_HEX]);

#endif
