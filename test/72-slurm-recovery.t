#!/bin/sh
# 72-slurm-recovery.t — the Slurm engine when things go wrong around it,
# on the private one-node cluster (test/slurm/start): a retry round that
# sbatch refuses fails its coins as any attempt does (event,
# notification, one "sbatch:").
# Skips when the cluster cannot run here (no Slurm packages, not root).
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
. "$TOP/test/slurm/lib.sh"
# ev RUN EVENT [SYM] — the run's lines of that event (of that coin).
ev() { grep "\"event\":\"$2\"" "$H/logs/$1/engine.log" | grep -- "${3:-.}"; }

# A retry round that sbatch refuses: an sbatch that takes the first array
# and refuses the rest (its --test-only checks pass).
real=$(command -v sbatch)
mkdir -p "$T/refusing"
cat >"$T/refusing/sbatch" <<EOF
#!/bin/sh
case " \$* " in *" --test-only "*) exec "$real" "\$@" ;; esac
if [ -e "$T/refusing/took" ]; then
	echo "sbatch: error: Batch job submission failed: test refusal" >&2
	exit 1
fi
: >"$T/refusing/took"
exec "$real" "\$@"
EOF
chmod +x "$T/refusing/sbatch"
R=20251120T0200Z-full
PATH=$T/refusing:$PATH RETRIES=1 FAKE_FLAKY=AAAUSDT NOTIFY_CMD="cat >>'$T/notified'" \
	run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R
is "$rc" 1 "a retry round sbatch refuses: exit 1"
like "$(ev $R coin_failed AAAUSDT | tail -n 1)" \
	'"attempt":2,"status":null,"error_type":"transient","error":"sbatch: error: Batch job submission failed: test refusal","final":true' \
	"the refused attempt is a coin_failed event, final at the last attempt"
like "$(grep '"final":true' "$T/notified")" '"symbol":"AAAUSDT".*test refusal' "and NOTIFY_CMD gets it"
like "$err" "run-batch: slurm engine: sbatch: error: Batch job submission failed: test refusal" "the warning gives sbatch's reason"
unlike "$err$(ledger show $R)" "sbatch: sbatch:" "saying \"sbatch:\" once"
is "$(status $R BBBUSDT)" "success 1 -" "the coin of the first array succeeded"

done_testing
