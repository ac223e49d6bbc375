#!/usr/bin/python3
"""measure.py DIR NAME CMD... -- run CMD in a session of its own and
measure it, cheaply enough not to slow what it measures.

CMD's standard output goes to DIR/NAME.out, its standard error to
DIR/NAME.err.  Prints one line: "WALL CPU PEAK_KB STATUS", where WALL is
the seconds from its start to its end, CPU the user plus system seconds
of CMD and every process it waited for (getrusage of the children),
PEAK_KB the peak of the summed resident memory of the session's
processes, sampled every 0.1 s, and STATUS CMD's exit status (128 + the
signal that killed it).

One process samples by reading /proc/PID/stat of each process (its
session and resident pages in one read), with no child process per
sample: a ps and an awk every 0.2 s cost some 35 ms each time, about 7%
of a 2-core box, taken from whatever was being measured.
"""
import os
import resource
import subprocess
import sys
import threading
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def session_rss_kb(sid):
    """Summed resident memory of the processes of session sid, in KB."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid, "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rfind(b")") + 2:].split()
        # fields[0] is field 3 of proc(5) (state): session is field 6,
        # rss (pages) field 24.
        if int(fields[3]) == sid:
            total += int(fields[21]) * PAGE_KB
    return total


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: measure.py DIR NAME CMD...\n")
        return 2
    out_dir, name, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(out_dir, name + ".out"), "wb") as out, \
            open(os.path.join(out_dir, name + ".err"), "wb") as err:
        t0 = time.monotonic()
        child = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], session_rss_kb(child.pid))
                done.wait(0.1)
        sampler = threading.Thread(target=sample)
        sampler.start()
        child.wait()  # here, so the wall time ends when CMD does
        wall = time.monotonic() - t0
        done.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    status = child.returncode if child.returncode >= 0 else 128 - child.returncode
    print("%.2f %.2f %d %d" % (wall, cpu, peak[0], status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
