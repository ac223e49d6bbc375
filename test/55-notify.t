#!/bin/sh
# 55-notify.t — share/notify/telegram against a local HTTP server standing
# in for the Bot API; run-batch feeds it events through NOTIFY_CMD.
. "$CT_TOP/test/lib.sh"
TG=$TOP/share/notify/telegram
cat >server.py <<'PY'
import http.server, sys, urllib.parse
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        q = urllib.parse.parse_qs(body)
        with open("posts", "a") as f:
            f.write(self.path + "\t" + q["chat_id"][0] + "\t" + q["text"][0].replace("\n", "|") + "\n")
        bad = "badtoken" in self.path
        self.send_response(401 if bad else 200)
        self.end_headers()
        self.wfile.write(b'{"ok":false,"description":"Unauthorized"}' if bad else b'{"ok":true}')
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port", "w").write(str(s.server_port))
s.serve_forever()
PY
python3 server.py &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
TELEGRAM_API_URL=http://127.0.0.1:$(cat port)
export TELEGRAM_API_URL

ev='{"ts":"2025-11-09T02:00:00Z","event":"coin_failed","run":"20251109T0200Z-full","symbol":"CCCUSDT","error":"not enough candles"}'
printf '%s\n' "$ev" >ev
TELEGRAM_TOKEN=123:abc TELEGRAM_CHAT_ID=42 run "$TG" <ev
is "$rc:$err" "0:" "event sent"
is "$(cat posts)" "/bot123:abc/sendMessage	42	cointrain: coin_failed 20251109T0200Z-full CCCUSDT: not enough candles|$ev" \
	"POST to /bot<TOKEN>/sendMessage with chat_id and a readable text"
TELEGRAM_TOKEN=badtoken TELEGRAM_CHAT_ID=42 run "$TG" <ev
like "$rc:$err" '^1:telegram: HTTP 401: \{"ok":false' "an API error fails with the reason"
TELEGRAM_CHAT_ID=42 run "$TG" <ev
is "$rc:$err" "1:telegram: TELEGRAM_TOKEN is not set" "missing token: status 1, as the header says"
TELEGRAM_TOKEN=x run "$TG" <ev
is "$rc:$err" "1:telegram: TELEGRAM_CHAT_ID is not set" "missing chat id: status 1"
TELEGRAM_TOKEN=x TELEGRAM_CHAT_ID=42 TELEGRAM_TIMEOUT=soon run "$TG" <ev
is "$rc:$err" "1:telegram: TELEGRAM_TIMEOUT=soon: not a whole number of seconds" "bad timeout"
TELEGRAM_TOKEN=x TELEGRAM_CHAT_ID=42 TELEGRAM_TIMEOUT=1 run "$TG" <ev
is "$rc:$err" "1:telegram: TELEGRAM_TIMEOUT=1: at least 3 seconds" "a timeout too short for three tries"
# An API that takes the connection and never answers: every try together
# ends within TELEGRAM_TIMEOUT (run-batch gives a hook 60 s).
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open("hport", "w").write(str(s.getsockname()[1])); time.sleep(60)' &
mute=$!
trap 'kill $srv $mute 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s hport ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
TELEGRAM_TOKEN=x TELEGRAM_CHAT_ID=42 TELEGRAM_TIMEOUT=3 \
	TELEGRAM_API_URL=http://127.0.0.1:$(cat hport) run "$TG" <ev
t1=$(date +%s)
kill $mute 2>/dev/null
is "$rc" 1 "a mute API: status 1"
like "$err" "telegram: no answer from http://127.0.0.1:[0-9]* within 3s$" "a mute API: no answer within the budget"
[ $((t1 - t0)) -le 4 ]
ok $? "all tries ended within the 3 s budget ($((t1 - t0)) s)"
TELEGRAM_TOKEN=x TELEGRAM_CHAT_ID=42 TELEGRAM_API_URL=http://127.0.0.1:1 run "$TG" <ev
like "$rc:$err" "telegram: cannot reach http://127.0.0.1:1$" "unreachable API"

# The rsync upload example fails as its header says when not set up.
RS=$TOP/share/upload/rsync
(unset UPLOAD_DEST; run "$RS" "$T/models/AAAUSDT/1"; echo "$rc:$err" >rs.out)
is "$(cat rs.out)" "1:rsync: UPLOAD_DEST is not set" "rsync example: UPLOAD_DEST not set, status 1"
UPLOAD_DEST=$T/dest run "$RS"
is "$rc:$err" "1:rsync: usage: rsync MODEL_DIR" "rsync example: no model directory, status 1"

# Through run-batch: start and finish arrive.
. "$TOP/test/fake/bin.sh"
: >posts
TELEGRAM_TOKEN=123:abc TELEGRAM_CHAT_ID=42 NOTIFY_CMD=$TG \
	run run-batch incremental --symbols AAAUSDT --run 20251109T0600Z-incremental
is "$rc" 0 "batch with the Telegram notifier"
is "$(cut -f3 posts | cut -d' ' -f2 | tr '\n' ' ')" "job_started job_completed " "start and finish notified"

# The hourly predict cycle notifies nothing while it succeeds (48
# messages a day otherwise); a coin it could not cache is notified, with
# the failed cycle's job_completed.
NOTIFY_CMD="cat >>'$T/predict.notes'" run run-batch predict --symbols AAAUSDT --run 20251109T0600Z-predict
is "$rc:$(cat "$T/predict.notes" 2>/dev/null | wc -l)" "0:0" "a predict cycle that succeeds notifies nothing"
FAKE_PREDICT_FAIL=AAAUSDT NOTIFY_CMD="cat >>'$T/predict.notes'" run run-batch predict --symbols AAAUSDT --run 20251109T0610Z-predict
is "$rc:$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' "$T/predict.notes" | tr '\n' ' ')" "1:job_failed job_completed " \
	"one that fails: its job_failed (the cache step) and job_completed"
like "$(cat "$T/predict.notes")" '"failed":1' "... which counts the failed coin"

# A hook that fails: its status in the warning, its stderr in the run's
# notify.log.
R=20251109T0700Z-incremental
NOTIFY_CMD='echo "bot said no" >&2; exit 3' run run-batch incremental --symbols AAAUSDT --run $R
like "$err" "NOTIFY_CMD failed for a job_started event \\(status 3; see .*/logs/$R/notify.log\\)" \
	"a failing hook: its status and where its errors are"
like "$(cat "$COINTRAIN_HOME/logs/$R/notify.log")" "bot said no" "its standard error kept"
# A hook that leaves a process behind does not hold the batch lock (a
# failing predict cycle, which notifies).
FAKE_PREDICT_FAIL=AAAUSDT NOTIFY_CMD="sleep 20 >/dev/null 2>&1 & echo \$! >>'$T/hookpids'" \
	run run-batch predict --symbols AAAUSDT --run 20251109T0800Z-predict
run run-batch predict --symbols AAAUSDT --run 20251109T0900Z-predict
is "$rc" 0 "the next batch is not locked out by the hook's leftover"
while read -r p; do kill "$p" 2>/dev/null; done <"$T/hookpids"

# Hooks run in the data home, wherever the batch was started (as the
# Slurm engine's tasks run them).
mkdir -p elsewhere
(cd elsewhere && FAKE_FAIL=BBBUSDT NOTIFY_CMD="pwd >>'$T/cwd.notify'; cat >/dev/null" \
	UPLOAD_CMD="pwd >>'$T/cwd.upload'; :" run-batch full --symbols AAAUSDT,BBBUSDT --run 20251109T1000Z-full 2>/dev/null)
is "$(sort -u "$T/cwd.notify"):$(wc -l <"$T/cwd.notify")" "$COINTRAIN_HOME:3" \
	"NOTIFY_CMD in the data home: the batch's events and a coin's"
is "$(cat "$T/cwd.upload")" "$COINTRAIN_HOME" "UPLOAD_CMD in the data home"

# An interrupted batch stops the upload under way (its own process group,
# which the interrupt does not reach) and records it.
R=20251109T1100Z-full
UPLOAD_CMD=$TOP/test/fake/upload-slow run-batch full --symbols AAAUSDT --run $R >/dev/null 2>u.err &
u=$!
i=0
until [ -s "$T/upload.pid" ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
s0=$(date +%s)
kill -TERM $u
wait $u
is "$?" 130 "SIGTERM during an upload: exit 130"
ok $(($(date +%s) - s0 > 5)) "at once"
p=$(cat "$T/upload.pid")
ok "$(alive "$p" && echo 1 || echo 0)" "the upload is stopped"
kill "$p" 2>/dev/null
like "$(grep '"event":"upload_failed"' "$COINTRAIN_HOME/logs/$R/engine.log")" \
	'"symbol":"AAAUSDT".*"error":"interrupted by SIGTERM"' "and recorded as an interrupted upload"
like "$(tail -n 1 "$COINTRAIN_HOME/logs/$R/engine.log")" '"event":"job_interrupted"' "before the batch's job_interrupted"
done_testing
