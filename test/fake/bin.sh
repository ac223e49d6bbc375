# fake/bin.sh — sourced by the run-batch tests after lib.sh: $T/bin holds
# run-batch and the real tools (links into CT_BIN) with the fakes of
# test/fake/ in place of train-coin and predict, since run-batch runs the
# tools that sit beside it.
mkdir -p "$T/bin"
for t in "$CT_BIN"/*; do ln -s "$t" "$T/bin/"; done
rm -f "$T/bin/train-coin" "$T/bin/predict"
cp "$TOP/test/fake/train-coin" "$TOP/test/fake/predict" "$T/bin/"
PATH=$T/bin:$PATH
COINTRAIN_SHARE=${CT_SHARE:-$TOP/share}
# The tests name their runs after fixed past dates and resume them.
FETCH_ENABLED=0 RETRY_BASE_SECONDS=0 FAKE_STATE=$T RESUME_MAX_AGE=off RUNS_KEEP_DAYS=0
export PATH COINTRAIN_SHARE FETCH_ENABLED RETRY_BASE_SECONDS FAKE_STATE RESUME_MAX_AGE RUNS_KEEP_DAYS
unset COINTRAIN_CONFIG FAKE_HANG FAKE_FAIL FAKE_CUT FAKE_NOSPACE FAKE_FLAKY FAKE_SLEEP FAKE_PREDICT_FAIL FAKE_NEVER
# events RUN — the event names of a run's log, one line.
events() { sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$COINTRAIN_HOME/logs/$1/engine.log" | tr '\n' ' '; }
# status RUN SYM — a symbol's status in the ledger.
status() {
	ledger show "$1" | python3 -c 'import json,sys; e=json.load(sys.stdin)["symbols"][sys.argv[1]]; print(e["status"], e["attempts"], e.get("error_type") or "-")' "$2"
}
# leftovers PATTERN — processes (not zombies: the container's init may not
# reap) whose command line matches.
leftovers() { ps -eo stat=,args= | grep -v '^Z' | grep -v grep | grep -c -- "$1"; }
# alive PID — the process runs (a zombie, left to an init that may not
# reap, has ended).
alive() { case $(ps -o stat= -p "$1" 2>/dev/null) in '' | Z*) return 1 ;; esac; }
