/* symbols.h — the symbols a tool works on: its operands, else one per line
 * of standard input (mblaze's blaze822_loop), and the status of a run
 * over many of them. */
#ifndef CT_SYMBOLS_H
#define CT_SYMBOLS_H

/* The worse of two exit statuses (lib/exitcode.h), for a tool that does
 * one job per symbol: usage, then failure, temporary failure, locked,
 * drift, stale, miss, then success. */
int ct_exit_worst(int a, int b);

/* 0 when every operand is a symbol, else CT_EXIT_USAGE with the first bad
 * one named on stderr. */
int ct_symbols_check(char **syms, int n);

/* fn(sym, arg) for each of the n operands, or, when n is 0, for each line
 * of standard input: blanks around it and a \r trimmed, empty lines and
 * # comments skipped, a line that is not a symbol named as
 * "<stdin>:LINE: ..." and skipped (the others are still done; the status
 * is CT_EXIT_USAGE, as for a bad symbol anywhere).  The statuses
 * are combined with ct_exit_worst. */
int ct_symbols_each(char **syms, int n, int (*fn)(const char *sym, void *arg), void *arg);

#endif
