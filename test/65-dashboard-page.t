#!/bin/sh
# 65-dashboard-page.t — the dashboard page from odd model files, without a
# browser: training events without a fold or with a fold that is no
# number, equity points at impossible times or out of order, huge values,
# no folds; a coin without a model, a damaged ledger.  The page is still
# written, whole, self-contained (nothing loaded from anywhere), and says
# what it could not draw.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
d=$H/models/ODDUSDT/20260101_000000Z
mkdir -p "$d" "$H/candles/BAREUSDT" "$H/runs/20260101T0000Z-full"
ln -s 20260101_000000Z "$H/models/ODDUSDT/current"
cat >"$d/config.json" <<'JSON'
{"symbol": "ODDUSDT", "timeframe": "1h", "mode": "<b>fresh</b>", "threshold": "high"}
JSON
cat >"$d/metrics.json" <<'JSON'
{"aggregate": {"auc": 1e308, "trades": -1},
 "folds": [{"val": {"from": "not a time"}}, "fold"],
 "equity_curve": [[1e300, 5], [-5, 1], [1700000000000, -1e308], [1700003600000, 1e308],
  [1600000000000, 3], ["x", 1], [1700007200000]]}
JSON
cat >"$d/training_log.json" <<'JSON'
{"events": [{"event": "round", "round": 1, "stop_logloss": 0.69},
 {"event": "round", "fold": "one", "round": 1, "stop_logloss": 0.69},
 {"event": "round", "fold": 1e300, "round": 1, "stop_logloss": 0.69},
 {"event": "round", "fold": 99999999999, "round": 2, "stop_logloss": 0.6},
 {"event": "round", "fold": 1, "round": 1e300, "stop_logloss": 0.5},
 {"event": "round", "fold": 1, "round": 2, "stop_logloss": 0.4},
 {"event": "round", "fold": 2, "stop_logloss": 0.4}]}
JSON
echo 'open_time,open,high,low,close,volume' >"$H/candles/BAREUSDT/1h.csv"
printf '{"symbols": ' >"$H/runs/20260101T0000Z-full/status.json"

run summarize --dashboard --html "$T/page.html" --no-cache-check
is "$rc" 1 "unhealthy (no model is fresh), and the page is written anyway"
like "$err" "status.json" "the damaged ledger is named on stderr"
python3 - "$T/page.html" <<'PY'
import sys
from html.parser import HTMLParser

class Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open = []
        self.svgs = 0
    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        if tag not in ("meta", "br", "line", "rect", "polyline", "path"):
            self.open.append(tag)
    def handle_endtag(self, tag):
        if tag in ("line", "rect", "polyline", "path"):
            return
        assert self.open and self.open[-1] == tag, "</%s> closes <%s>" % (tag, self.open[-1:])
        self.open.pop()

c = Check()
c.feed(open(sys.argv[1]).read())
assert c.open == [], c.open
print("svgs", c.svgs)
PY
ok $? "the page is whole: every element closed in order"
grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$T/page.html"
ok $? "a CSP that lets the page load nothing"
is "$(grep -Eo '(src|href)="[^#][^"]*"|url\(|@import' "$T/page.html" | sort -u | tr '\n' ' ')" "" \
	"no reference to anything outside the page"
ok "$(! grep -q '<b>fresh' "$T/page.html"; echo $?)" "text from the files is escaped"
grep -q '&lt;b&gt;fresh&lt;/b&gt;' "$T/page.html"
ok $? "and shown"
grep -q 'No serving model' "$T/page.html"
ok $? "a coin without a model says so"
grep -q 'ledger unreadable' "$T/page.html"
ok $? "the damaged run says so"
is "$(grep -c '<svg' "$T/page.html")" 2 "ODDUSDT's equity (from its valid points) and its training curve"
ok "$(! grep -Eq 'nan|inf' "$T/page.html"; echo $?)" "no NaN or infinity drawn"

# A tuned model: the folds its search scored are marked in the table and
# the training chart's legend, so nothing under "held-out after search"
# passes for out of sample.
t=$H/models/TUNUSDT/20260101_000000Z
mkdir -p "$t"
ln -s 20260101_000000Z "$H/models/TUNUSDT/current"
echo '{"symbol": "TUNUSDT", "timeframe": "1h", "mode": "fresh", "params_source": "tuned"}' >"$t/config.json"
cat >"$t/metrics.json" <<'JSON'
{"evaluation": "held-out after search", "aggregate": {"auc": 0.5},
 "folds": [{"fold": 1, "searched": true, "auc": 0.9}, {"fold": 2, "searched": true, "auc": 0.8},
  {"fold": 3, "auc": 0.55}]}
JSON
printf '{"events": [%s]}\n' "$(for f in 1 2 3; do printf '{"event": "round", "fold": %s, "round": 1, "stop_logloss": 0.6},' $f; done | sed 's/,$//')" \
	>"$t/training_log.json"
# Control characters from the data files: a cached signal, a drift
# status, a ledger's error.
mkdir -p "$H/cache/predictions"
printf '{"symbol": "TUNUSDT", "timeframe": "1h", "open_time": "2026-01-01T00:00:00Z", "prob_up": 0.5, "signal": "\\u001b]0;pwned\\u0007up", "expires_at": "2999-01-01T00:00:00Z"}\n' \
	>"$H/cache/predictions/TUNUSDT.json"
printf '{"symbol": "TUNUSDT", "drifted": false, "status": "\\u001b[31mok"}\n' >"$H/models/TUNUSDT/last-drift.json"
ledger init 20260102T0000Z-full TUNUSDT
ledger set 20260102T0000Z-full TUNUSDT failed --error "$(printf '\033[31mx\007')"
run summarize --dashboard --html "$T/page.html" --no-cache-check
tr -d '\n' <"$T/page.html" | grep -o '<section class="coin" id="coin-TUNUSDT">.*</section>' >"$T/tun.html"
is "$(grep -o '<td>[0-9], searched</td>' "$T/tun.html" | tr '\n' ' ')" "<td>1, searched</td> <td>2, searched</td> " \
	"the searched folds are marked in the table"
is "$(grep -o '<tr class="searched">' "$T/tun.html" | wc -l)" 2 "... and only they"
grep -q 'fold 1, searched' "$T/tun.html" && grep -q 'fold 2, searched' "$T/tun.html" &&
	! grep -q 'fold 3, searched' "$T/tun.html"
ok $? "... and in the training chart's legend"
ok "$(! grep -q "$(printf '[\001-\010\013\014\016-\037\177]')" "$T/page.html"; echo $?)" \
	"no control character from the files reaches the page"
grep -q '?\[31mx?' "$T/page.html" && ! grep -q 'pwned' "$T/page.html"
ok $? "they are shown as '?'; a cached signal that is neither long nor flat is no prediction: not shown"
grep -q 'buy and hold, before costs' "$T/page.html" &&
	grep -q 'after one round trip of costs (its line in the chart is before costs)' "$T/page.html"
ok $? "the equity legend and the sentence under it say the same of buy and hold's costs"

# A model that never trades: its section says so, and gives its folds'
# trades (each at its own threshold) as theirs, not the model's.
n=$H/models/NEVUSDT/20260101_000000Z
mkdir -p "$n"
ln -s 20260101_000000Z "$H/models/NEVUSDT/current"
# nev_section MODE METRICS — NEVUSDT's model of MODE with METRICS: its
# section of the page, into nev.html.
nev_section() {
	echo "{\"symbol\": \"NEVUSDT\", \"timeframe\": \"1h\", \"mode\": \"$1\", \"threshold\": 1.0}" >"$n/config.json"
	echo "$2" >"$n/metrics.json"
	run summarize --dashboard --html "$T/page.html" --no-cache-check
	tr -d '\n' <"$T/page.html" | grep -o '<section class="coin" id="coin-NEVUSDT">.*</section>' >"$T/nev.html"
}
nev_section fresh '{"aggregate": {"auc": 0.51, "trades": 39, "total_net_bps": 206, "buy_hold_bps": 2316}, "equity_curve": [[1700000000000, 0], [1700003600000, 206]]}'
like "$(cat "$T/nev.html")" "walk-forward\\): <strong>never trades</strong> \\(its folds after the first did not make money beyond noise\\); the chart's model line is its folds' trades, each fold at a threshold picked on the folds before it \\(the first at 0.5\\): 206 bps in total over 39 trades" \
	"a model that never trades: said, and its folds' 206 bps are theirs"
# An update of it (held-out figures): the reason is its fresh model's, and
# the line is its held-out block's, not folds'.
nev_section incremental '{"evaluation": "held-out", "aggregate": {"auc": 0.51, "trades": 0, "total_net_bps": 0, "buy_hold_bps": 40}, "equity_curve": []}'
like "$(cat "$T/nev.html")" "held-out\\): <strong>never trades</strong> \\(an update keeps its fresh model's threshold, and that model's later folds did not make money beyond noise\\); the chart's model line is the held-out block's trades at that threshold: 0 bps in total over 0 trades" \
	"an update that never trades: its reason and its held-out block, not folds"
done_testing
