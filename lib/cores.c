/* cores.c — the cores a process may use, not those the machine has: under
 * taskset or a Slurm cpuset, more workers than the mask would only take
 * turns. */
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>

#include "cores.h"

long
ct_cores(void)
{
	cpu_set_t set;
	long n;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) == 0 && (n = CPU_COUNT(&set)) > 0)
		return n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
