/* cores.h — how many cores this process may run on. */
#ifndef CT_CORES_H
#define CT_CORES_H

/* The CPUs of this process's affinity mask (taskset, a Slurm job's
 * cpuset), else the online ones; at least 1. */
long ct_cores(void);

#endif
