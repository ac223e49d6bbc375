#!/usr/bin/python3
"""peer.py — the Python way of doing cointrain's training, for make bench.

What the systems cointrain replaces do: pandas features, xgboost.train per
fold with early stopping, a final fit, and a multiprocessing pool over coins
(or over the trials of a random search).  It reads the same candle store,
computes the same 25 features (lib/features.c, in pandas), the same labels
and costs (lib/train.c, lib/costs.c), the same purged expanding folds
(ct_folds) and the same XGBoost parameters, so that the bench compares the
two ways of doing one job, not two jobs.

  peer.py train --home DIR --symbols FILE --timeframe TF [--lookback N]
                [--jobs N] [--threads N] [--folds K] [--horizon H]
  peer.py tune  --home DIR --symbol SYM --timeframe TF --trials FILE
                [--lookback N] [--jobs N] [--threads N] [--folds K]

train: one walk-forward and final model per coin; prints one JSON line per
coin (AUC of the folds, seconds) and a closing line with the mean AUC.
tune: the trials of FILE (a JSON array of parameter objects, the draws
tune-coin made) scored on the mean logloss of the earlier folds; the
winner scored once on the newest, held-out block.

Each worker keeps to --threads threads, as cointrain's do: XGBoost's
DMatrix construction and numpy's BLAS included (left alone, both take
every core, and two workers then fight over them).

Run it with Debian's /usr/bin/python3 (python3-xgboost, python3-pandas:
scripts/install-deps --bench).
"""
import argparse
import functools
import json
import math
import multiprocessing
import os
import sys
import time


def _threads():
    a = sys.argv
    return a[a.index("--threads") + 1] if "--threads" in a[:-1] else "1"


# Before numpy loads its BLAS.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, _threads())

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402

WARMUP = (3 * 26 - 1) + (3 * 9 - 1)
BASE_PARAMS = {
    "objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
    "max_bin": 128, "eta": 0.05, "max_depth": 3, "min_child_weight": 20,
    "subsample": 0.8, "colsample_bytree": 0.8, "lambda": 1, "seed": 1,
}


def ema_trunc(x, span, w):
    """Truncated EMA over the last w values, weights (1-a)^k normalised."""
    a = 2.0 / (span + 1.0)
    wts = (1 - a) ** np.arange(w)
    out = np.full(len(x), np.nan)
    if len(x) >= w:
        win = np.lib.stride_tricks.sliding_window_view(x, w)
        out[w - 1:] = win @ wts[::-1] / wts.sum()
    return out


def features(df):
    c, h, l, v = df["close"], df["high"], df["low"], df["volume"]
    lc = np.log(c)
    r = lc.diff()
    f = pd.DataFrame(index=df.index)
    for k in (1, 3, 6, 12, 24, 48):
        f[f"ret_{k}"] = lc - lc.shift(k)
    for w in (12, 48):
        f[f"vol_{w}"] = r.rolling(w).std(ddof=0)
    d = c.diff()
    g, lo = d.clip(lower=0).rolling(14).sum(), (-d).clip(lower=0).rolling(14).sum()
    f["rsi_14"] = (g / (g + lo)).where(g + lo > 0)
    px = c.to_numpy()
    ml = (ema_trunc(px, 12, 36) - ema_trunc(px, 26, 78)) / px
    f["macd"] = ml
    f["macd_hist"] = ml - ema_trunc(np.nan_to_num(ml), 9, 27)
    f.loc[f.index[:WARMUP], "macd_hist"] = np.nan
    pc = c.shift(1)
    tr = np.maximum(h, pc) - np.minimum(l, pc)
    f["atr_14"] = tr.rolling(14).mean() / c
    sma, sd = c.rolling(20).mean(), c.rolling(20).std(ddof=0)
    f["bb_pctb_20"] = ((c - (sma - 2 * sd)) / (4 * sd)).where(sd > 0)
    f["bb_width_20"] = 4 * sd / sma
    lv = np.log1p(v)
    lsd = lv.rolling(48).std(ddof=0)
    f["volume_z_48"] = ((lv - lv.rolling(48).mean()) / lsd).where(lsd > 0)
    hl = np.log(h / l)
    f["hl_range"] = hl
    f["hl_range_12"] = hl.rolling(12).mean()
    f["close_loc"] = ((c - l) / (h - l)).where(h > l)
    for w in (12, 24, 48):
        f[f"sma_dist_{w}"] = lc - np.log(c.rolling(w).mean())
    t = df["open_time"].to_numpy()
    day = (t % 86400000) / 86400000.0
    dow = ((t // 86400000 + 3) % 7) + day
    f["tod_sin"], f["tod_cos"] = np.sin(2 * np.pi * day), np.cos(2 * np.pi * day)
    f["dow_sin"], f["dow_cos"] = np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)
    return f.astype(np.float32)


def spread_cs(df):
    """Corwin-Schultz (2012) spread estimate in bps, negatives as 0."""
    h, l = df["high"].to_numpy(), df["low"].to_numpy()
    k = 3 - 2 * math.sqrt(2)
    b1, b2 = np.log(h[:-1] / l[:-1]), np.log(h[1:] / l[1:])
    beta = b1 ** 2 + b2 ** 2
    gamma = np.log(np.maximum(h[:-1], h[1:]) / np.minimum(l[:-1], l[1:])) ** 2
    alpha = (np.sqrt(2 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
    sp = 2 * (np.exp(alpha) - 1) / (1 + np.exp(alpha))
    sp = sp[np.isfinite(sp)]
    return float(np.clip(sp, 0, None).mean() * 1e4) if len(sp) else 0.0


def costs_row(path, sym):
    t = pd.read_csv(path, dtype={"symbol": str})
    row = t[t["symbol"] == sym]
    if row.empty:
        row = t[t["symbol"] == "*"]
    return row.iloc[0]


# Once per worker process, not once per trial: a search's workers each
# read and prepare the coin once, as a Python tuner would (a memo, or a
# global built before the pool forks), so that the bench does not charge
# the peer with work cointrain does not do either.
@functools.lru_cache(maxsize=1)
def dataset(home, sym, tf, lookback, horizon, costs):
    df = pd.read_csv(f"{home}/candles/{sym}/{tf}.csv").tail(lookback).reset_index(drop=True)
    f = features(df)
    row = costs_row(costs, sym)
    spread = row["median_spread_bps"]
    if pd.isna(spread):
        spread = spread_cs(df)
    lc = np.log(df["close"])
    sigma = lc.diff().rolling(48).std(ddof=0)
    fwd = (lc.shift(-horizon) - lc) * 1e4
    cost = 2 * row["taker_fee_bps"] + spread + 2 * row["slippage_bps_per_sigma"] * (sigma * 100).fillna(0)
    n = len(df) - WARMUP - horizon
    sl = slice(WARMUP, WARMUP + n)
    y = (fwd > cost).astype(np.float32)
    return f.iloc[sl].to_numpy(), y.iloc[sl].to_numpy()


def folds(n, k, horizon):
    gap, block = horizon + 1, n // (k + 1)
    out = []
    for i in range(k):
        vlo, vhi = block * (i + 1), n if i == k - 1 else block * (i + 2)
        shi = vlo - gap
        slo = shi - shi // 5
        out.append((0, slo - gap, slo, shi, vlo, vhi))
    return out


def auc(p, y):
    ranks = pd.Series(p).rank().to_numpy()
    pos = y > 0.5
    npos, nneg = pos.sum(), len(y) - pos.sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    return float((ranks[pos].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def logloss(p, y):
    q = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(np.where(y > 0.5, np.log(q), np.log(1 - q))))


def fit_fold(x, y, fo, params, rounds, early):
    tlo, thi, slo, shi, vlo, vhi = fo
    nt = params["nthread"]
    dt = xgb.DMatrix(x[tlo:thi], y[tlo:thi], nthread=nt)
    ds = xgb.DMatrix(x[slo:shi], y[slo:shi], nthread=nt)
    b = xgb.train(params, dt, rounds, evals=[(ds, "stop")], early_stopping_rounds=early,
                  verbose_eval=False)
    best = b.best_iteration + 1
    p = b.predict(xgb.DMatrix(x[vlo:vhi], nthread=nt), iteration_range=(0, best))
    return best, p


def walkforward(x, y, fs, params, rounds, early):
    res = []
    for fo in fs:
        best, p = fit_fold(x, y, fo, params, rounds, early)
        res.append((best, auc(p, y[fo[4]:fo[5]]), logloss(p, y[fo[4]:fo[5]])))
    return res


def train_coin(job):
    a, sym = job
    t0 = time.time()
    params = dict(BASE_PARAMS, nthread=a.threads)
    x, y = dataset(a.home, sym, a.timeframe, a.lookback, a.horizon, a.costs)
    res = walkforward(x, y, folds(len(y), a.folds, a.horizon), params, a.rounds, a.early_stop)
    rounds = max(1, int(round(sum(r[0] for r in res) / len(res))))
    xgb.train(params, xgb.DMatrix(x, y, nthread=a.threads), rounds)
    return {"symbol": sym, "auc": sum(r[1] for r in res) / len(res),
            "rounds": rounds, "seconds": round(time.time() - t0, 3)}


def trial(job):
    a, k, p = job
    t0 = time.time()
    params = dict(BASE_PARAMS, nthread=a.threads, **p)
    x, y = dataset(a.home, a.symbol, a.timeframe, a.lookback, a.horizon, a.costs)
    fs = folds(len(y), a.folds, a.horizon)
    res = walkforward(x, y, fs[:-1], params, a.rounds, a.early_stop)
    return {"trial": k, "logloss": sum(r[2] for r in res) / len(res),
            "auc": sum(r[1] for r in res) / len(res), "seconds": round(time.time() - t0, 3)}


def heldout(a, p):
    params = dict(BASE_PARAMS, nthread=a.threads, **p)
    x, y = dataset(a.home, a.symbol, a.timeframe, a.lookback, a.horizon, a.costs)
    fo = folds(len(y), a.folds, a.horizon)[-1]
    best, pr = fit_fold(x, y, fo, params, a.rounds, a.early_stop)
    return auc(pr, y[fo[4]:fo[5]]), logloss(pr, y[fo[4]:fo[5]])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["train", "tune"])
    ap.add_argument("--home", required=True)
    ap.add_argument("--symbols")
    ap.add_argument("--symbol")
    ap.add_argument("--trials")
    ap.add_argument("--timeframe", default="5m")
    ap.add_argument("--lookback", type=int, default=50000)
    ap.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--horizon", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--early-stop", type=int, default=20)
    ap.add_argument("--costs", default=os.path.join(os.path.dirname(__file__), "../../share/costs.csv"))
    a = ap.parse_args()
    t0 = time.time()
    with multiprocessing.Pool(a.jobs) as pool:
        if a.what == "train":
            syms = [s.strip() for s in open(a.symbols) if s.strip() and not s.startswith("#")]
            res = pool.map(train_coin, [(a, s) for s in syms], chunksize=1)
            for r in res:
                print(json.dumps(r))
            print(json.dumps({"coins": len(res), "mean_auc": sum(r["auc"] for r in res) / len(res),
                              "wall_seconds": round(time.time() - t0, 2)}))
        else:
            trials = json.load(open(a.trials))
            res = pool.map(trial, [(a, k, p) for k, p in enumerate(trials)], chunksize=1)
            win = min(res, key=lambda r: r["logloss"])
            h_auc, h_ll = heldout(a, trials[win["trial"]])
            print(json.dumps({"trials": len(res), "winner": win["trial"],
                              "search_logloss": win["logloss"], "search_auc": win["auc"],
                              "heldout_auc": h_auc, "heldout_logloss": h_ll,
                              "wall_seconds": round(time.time() - t0, 2)}))


if __name__ == "__main__":
    sys.exit(main())
