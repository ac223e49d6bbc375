/* exitcode.h — the one exit-status table of every cointrain program and of
 * run-batch (which uses the same numbers).  A code beyond 0, 1 and 2 exists
 * only where a shell must branch on it, and means the same in every tool.
 * cointrain(7) lists them under EXIT STATUS. */
#ifndef CT_EXITCODE_H
#define CT_EXITCODE_H

#define CT_EXIT_OK	 0	/* done */
#define CT_EXIT_FAIL	 1	/* failed; bad input, a refused model, ... */
#define CT_EXIT_USAGE	 2	/* bad command line (option, number, symbol) */
#define CT_EXIT_MISS	 3	/* cache-get: an entry is missing or expired */
#define CT_EXIT_STALE	 4	/* predict: a prediction was made from stale candles */
#define CT_EXIT_TEMPFAIL 5	/* temporary failure worth a retry (network, rate limit) */
#define CT_EXIT_LOCKED	 6	/* another run holds the lock (batch, coin) */
#define CT_EXIT_DRIFT	 7	/* check-drift: some coin drifted */

#endif
