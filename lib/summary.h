/* summary.h — the run summary (summary/<RUN>/engine_summary.json); the
 * whole data home's view is dashboard.h. */
#ifndef CT_SUMMARY_H
#define CT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Build the summary of run from its ledger and the models' metrics.json,
 * each looked up in home whatever home the ledger recorded (see
 * summarize(1)); a model's figures that cannot be read are said on
 * stderr and listed in "metrics_unreadable".  NULL with a diagnostic
 * printed when the ledger cannot be read. */
json_t *ct_summary_build(const char *home, const char *run);
/* Write it to summary/<RUN>/engine_summary.json atomically; 0 or -1. */
int ct_summary_save(const char *home, const char *run, json_t *summary);

#endif
