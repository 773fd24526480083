#!/bin/bash
# Packs the WebGPU decoder checks for a machine with a real GPU and no Node or npm (the device
# machines): node and dawn.node compressed, the WebGPU kernel/session tests and the decoder
# benchmark bundled by esbuild, and the Vulkan loader + glvnd packages (NVIDIA's ICD needs
# libGLdispatch). Writes .dev/ and .gl/ (git-ignored locally via .git/info/exclude); there, run
# `bash .dev/run.sh` (scripts/gpu-check/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.dev/' .git/info/exclude || echo /.dev/ >> .git/info/exclude
grep -qx '/.gl/' .git/info/exclude || echo /.gl/ >> .git/info/exclude
mkdir -p .dev/node_modules/webgpu/dist/linux-x64 .gl /tmp/amd64/partial
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .dev/node_modules/webgpu/
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > .dev/dawn.node.xz
xz -T2 -6 -c "$(command -v node)" > .dev/node.xz
bundle() { npx esbuild "$1" --bundle --platform=node --format=esm --target=node20 --external:webgpu --outfile="$2" --log-level=warning; }
bundle tests/kernels/webgpu/kernels.test.ts .dev/kernels.test.mjs
bundle tests/kernels/webgpu/session.test.ts .dev/session.test.mjs
bundle bench/decoder-webgpu.ts .dev/bench.mjs
cp scripts/gpu-check/run.sh .dev/run.sh
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
apt-get $o update > /dev/null
(cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh .dev .gl
