# lib.sh — TAP helpers for the shell tests of the programs.  Source it
# first; every test runs in a fresh temporary directory with its own data
# home and the build's programs first on PATH.
set -u
: "${CT_BIN:?run the tests through make check}"
PATH=$CT_BIN:$PATH
export PATH
TOP=${CT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
DATA=$TOP/test/data
T=$(mktemp -d "${TMPDIR:-/tmp}/ct-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
# python3 is Debian's (scripts/install-deps installs it): one found first
# on PATH may be a version manager's shim, a shell script that costs more
# than the interpreter (pyenv's: 0.1 to 0.7 s a call), and polling loops
# call it many times.
if [ -x /usr/bin/python3 ]; then
	mkdir "$T/.python" && ln -s /usr/bin/python3 "$T/.python/python3" && PATH=$T/.python:$PATH
fi
COINTRAIN_HOME=$T/home
export COINTRAIN_HOME
unset NOTIFY_CMD UPLOAD_CMD
# A fetch a test did not point at its own server fails here at once
# (nothing listens on the discard port) rather than reach the internet.
COINTRAIN_EXCHANGE_URL=http://127.0.0.1:9
export COINTRAIN_EXCHANGE_URL
_n=0
_fail=0

# ok COND NAME — COND is an exit status (0 = pass).
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_fail=$((_fail + 1))
	fi
}

# skip N REASON — N tests that cannot run here, said as such.
skip() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1)) _n=$((_n + 1))
		echo "ok $_n # skip $2"
	done
}

# replicates N — how many replicates a measurement of a rate runs: N, or
# 2 against a sanitizer build (make sets CT_SANITIZER there, not with
# FULL=1).  The few run the same code for memory errors and undefined
# behaviour; the rate is the plain build's to measure.  Seeds 1..N are
# deterministic, so the two are the plain build's first two.
replicates() {
	if [ -n "${CT_SANITIZER:-}" ] && [ "$1" -gt 2 ]; then echo 2; else echo "$1"; fi
}

# is GOT EXPECTED NAME — on a failure, what was got goes to stderr, which
# prove shows (make check, CI) where it hides stdout's comments.
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:      %s\n#   expected: %s\n' "$1" "$2" >&2
	fi
}

# like GOT PATTERN NAME — PATTERN is a grep -E expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:      %s\n#   no match: %s\n' "$1" "$2" >&2
	fi
}

# unlike GOT ERE NAME — GOT has no match of ERE.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		printf '#   got:      %s\n#   matches:  %s\n' "$1" "$2" >&2
	else
		ok 0 "$3"
	fi
}

# run CMD... — stdout in $out, stderr in $err, exit status in $rc.
run() {
	"$@" >"$T/.out" 2>"$T/.err"
	rc=$?
	out=$(cat "$T/.out")
	err=$(cat "$T/.err")
}

# jget FILE EXPR — a value of a JSON file, as JSON (python's json: exact
# floats); j is the document.
jget() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2], {"j": j})))' "$1" "$2"; }

# await PATTERN FILE [N] — wait until a line of FILE matches PATTERN
# (grep's), checking every 0.05 s, N times at most (200: ten seconds).
await() {
	_i=0
	until grep -q -- "$1" "$2" 2>/dev/null || [ $_i -ge "${3:-200}" ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
# held FILE — wait (10 s at most) until a process started in the
# background holds FILE's flock: a guess with sleep fails on a loaded box.
held() {
	_i=0
	while flock -n "$1" true && [ $_i -lt 1000 ]; do sleep 0.01; _i=$((_i + 1)); done
}

# Print TAP's plan at the end and fail the script when anything failed.
done_testing() {
	echo "1..$_n"
	[ "$_fail" -eq 0 ]
}
