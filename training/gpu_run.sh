#!/usr/bin/env bash
# The one command for a GPU machine (installs nothing, downloads nothing).
#   bash training/gpu_run.sh OUTDIR [MINUTES] [extra train.py args...]
# Reads .data/faces64.npz (carried with the working tree), trains for MINUTES of wall clock counted from the
# start of train.py (data loading included), checkpoints into OUTDIR every 60 s, then writes into OUTDIR:
#   generator.safetensors (g_ema + latent_avg, fp16, rosinality layout), samples.png, samples_trunc07.png,
#   metrics.json, progress.json, train.log, resume_g_fp16.pt, resume_d_fp16.pt   (8 files, ~30 MB)
# No full checkpoint with optimiser state is written there (~130 MB, too big to bring back).
set -u
OUT="${1:?usage: gpu_run.sh OUTDIR [MINUTES]}"
MIN="${2:-7.5}"
shift $(( $# >= 2 ? 2 : 1 ))
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
START=$(date +%s)
PY="${PY:-python3}"
{
  echo "== $(date -u) host $(hostname)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || true
  $PY -c "import torch, numpy, PIL; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__, 'PIL', PIL.__version__)"
  ls -la .data/
} 2>&1 | tee "$OUT/train.log"

run_train() {
  $PY training/train.py --data .data/faces64.npz --out "$OUT" --device "${DEVICE:-cuda}" --threads "${THREADS:-16}" \
    --minutes "$1" --batch 64 --lr 0.0025 --r1 0.1 --r1-every 16 --pl-weight 0 --mixing 0.9 \
    --ema-kimg 10 --ema-rampup 0.05 --augment color,translation,cutout --xflip 1 \
    --style-dim 256 --n-mlp 8 --channels 4:256,8:256,16:256,32:128,64:64 \
    --d-channels 4:256,8:256,16:256,32:128,64:64 \
    --ckpt-every 60 --full-ckpt none --lite-ckpt 1 --metrics-n 5000 --log-every 200 \
    "${@:2}" 2>&1 | tee -a "$OUT/train.log"
  return "${PIPESTATUS[0]}"
}

run_train "$MIN" "$@"
rc=$?
if [ "$rc" -ne 0 ] && [ ! -s "$OUT/metrics.json" ]; then
  # Failed before finishing: retry once with the most conservative CUDA settings for the time that is left.
  left=$(( 480 - ($(date +%s) - START) ))
  if [ "$left" -gt 120 ]; then
    echo "== first attempt failed (rc $rc); retrying with --tf32 0 for $((left - 60)) s" | tee -a "$OUT/train.log"
    run_train "$(awk -v s=$((left - 60)) 'BEGIN{printf "%.2f", s/60}')" --tf32 0 "$@"
    rc=$?
  fi
fi
echo "== exit $rc after $(( $(date +%s) - START )) s" | tee -a "$OUT/train.log"
ls -la "$OUT" | tee -a "$OUT/train.log"
exit "$rc"
