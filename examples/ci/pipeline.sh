#!/usr/bin/env bash
# Train → log → register → gate against production → promote to staging, with the outpost CLI and its exit codes.
# Needs OUTPOST_HUB and OUTPOST_KEY (a write key; an admin key to use --force). MODEL names the registered model.
# Exit: 0 promoted, 1 the gate failed (or the hub refused), 2 bad usage.
set -euo pipefail

OUTPOST=${OUTPOST:-outpost}           # the CLI; e.g. "npx outpost" or "node bin/outpost.mjs"
MODEL=${MODEL:-line}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# 1. Train and log: the job logs its metrics to a run and prints the run id last.
RUN_ID=$(node "$HERE/train.mjs" "$OUT" | tail -n 1)

# 2. Register: a new version whose lineage (and gate metrics) come from the run.
REF=$($OUTPOST model push "$OUT" --name "$MODEL" --run "$RUN_ID" | tail -n 1)   # e.g. line/4
VERSION=${REF##*/}

# 3. Gate against the current production version (thresholds alone while there is none yet).
if ! $OUTPOST model gate "$REF" --against "$MODEL@production" \
    --metric "accuracy>=0.8" --metric "loss<=0.01" --min-absolute-change accuracy=0.05 \
    --allow-no-baseline; then
  echo "$REF did not pass the gate against $MODEL@production; not promoted" >&2
  exit 1
fi

# 4. Promote to staging (an alias policy on staging, if any, is checked again by the hub).
$OUTPOST model promote "$MODEL" "$VERSION" --alias staging --reason "CI: $REF passed the gate against production"

# 5. Roll out to devices: comes with staged rollouts (issue 17, second half).
# $OUTPOST model rollout "$MODEL" --alias production --to "$VERSION" --steps 5,25,100 --interval 10m --max-error-rate 0.01
