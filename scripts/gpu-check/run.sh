#!/bin/bash
# Runs on the GPU machine from the repository root (see prepare.sh); results go to $OUT.
# Device check: WebGPU decoder kernels vs float64, per-op profile and the step benchmark on a real GPU.
cd "$(dirname "$0")/.."
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
unxz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
unxz .dev/node.xz /tmp/node && chmod +x /tmp/node
unxz .dev/dawn.node.xz .dev/node_modules/webgpu/dist/linux-x64/dawn.node
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
cd .dev
export SLIM_WHISPER_TEST_GPU=hardware
echo "== kernel + session tests on the real GPU"
timeout 60 /tmp/node --test --test-reporter=spec kernels.test.mjs session.test.mjs > $OUT/tests.log 2>&1; echo "tests rc=$?"
grep -E "^ℹ (tests|pass|fail)|✖|worst" $OUT/tests.log | head -30
echo "== profile"
timeout 40 /tmp/node bench.mjs --batch 1,64 --ctx 448 --iters 20 --profile 2>&1 | tee $OUT/profile.log | grep -E "^##|attend|total|logits|fc1"
for g in shared separate; do
  echo "== bench groups=$g"
  timeout 70 /tmp/node bench.mjs --batch 1,8,64 --ctx 16,448 --groups $g --iters 5 --warmup 2 --pipelined-iters 100 --json > $OUT/bench-$g.json 2> $OUT/bench-$g.log; echo "rc=$?"
  tail -9 $OUT/bench-$g.log
done
