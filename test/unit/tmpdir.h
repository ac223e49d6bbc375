/* tmpdir.h — for the cmocka tests: setup() makes a fresh temporary
 * directory in tmpdir[], teardown() removes it with all it holds.  Include
 * after <cmocka.h>. */
#ifndef CT_TEST_TMPDIR_H
#define CT_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

#include "modeldir.h"

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "%s/ct-unit-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return ct_rmtree(tmpdir);
}

#endif
