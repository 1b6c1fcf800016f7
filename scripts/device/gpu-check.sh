#!/usr/bin/env bash
# Prove and time the gpu.js backend on the lent GPU machine (x86-64, CUDA
# image, no Node.js, no network). Run from the repo root with .device/ and
# .gl/ carried (packed here by scripts/device/pack.sh after `pnpm build`):
#
#   bash scripts/device/gpu-check.sh [gpu-bench.mjs options, e.g. --quick]
#
# Steps, each printed; a failing step prints why and the next one runs:
#   1. machine: OS, glibc, libstdc++, GPU
#   2. Vulkan/GL loaders: unpack .gl/*.deb into / (device README recipe), ldconfig
#   3. Vulkan ICD: point VK_DRIVER_FILES / VK_ICD_FILENAMES at NVIDIA's, if found
#   4. Node.js: the one on PATH if ≥ 18, else unpack .device/node/node.xz
#   5. Dawn (webgpu's linux-x64 binary): unpack, check its libraries; if the
#      system glibc/libstdc++ is too old, run Node under the carried trixie
#      loader and libraries (.device/compat)
#   6. Dawn adapters as Dawn sees them
#   7. scripts/device/gpu-bench.mjs: adapter, correctness, nets/s; JSON to $OUT
# Everything printed also goes to $OUT/gpu-check.log.
#
# Local test knobs: GPU_CHECK_SKIP_GL=1 (do not unpack .gl into /),
# GPU_CHECK_CARRIED_NODE=1 (use the carried node even if one is on PATH).
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gpu-check-out}
mkdir -p "$OUT"
T0=$(date +%s)
step() { echo; echo "=== [$(($(date +%s) - T0))s] $*"; }
warn() { echo "!!! $*"; }
D=.device
ARCH_LIB=/usr/lib/x86_64-linux-gnu

main() {
step "1. machine"
uname -a
grep -E '^PRETTY_NAME=' /etc/os-release 2>/dev/null || true
ldd --version 2>&1 | head -1
stdcxx=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [[ -n $stdcxx ]]; then
  echo "libstdc++: $stdcxx, newest $(grep -ao 'GLIBCXX_3\.4\.[0-9]*' "$stdcxx" | sort -uV | tail -1)"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv 2>&1 || warn "nvidia-smi failed"
echo "cpus: $(nproc)"

step "2. Vulkan/GL loaders from .gl"
if [[ ${GPU_CHECK_SKIP_GL:-0} == 1 ]]; then
  echo "skipped (GPU_CHECK_SKIP_GL=1)"
elif ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" / || warn "dpkg -x $f failed"; done
  ldconfig || warn "ldconfig failed"
else
  warn ".gl/*.deb not carried"
fi
ldconfig -p | grep -E 'libvulkan\.so|libEGL\.so|libGLX_nvidia' || warn "no libvulkan/libEGL/libGLX_nvidia in ldconfig"

step "3. Vulkan ICD"
icd=""
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
  [[ -f $f ]] && { icd=$f; break; }
done
if [[ -n $icd ]]; then
  export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  echo "NVIDIA ICD: $icd"
  grep -E 'library_path|api_version' "$icd" || true
else
  warn "no nvidia_icd.json found; Vulkan loader defaults"
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null || true
fi
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[[ -f $egl ]] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

step "4. Node.js"
NODE=""
if [[ ${GPU_CHECK_CARRIED_NODE:-0} != 1 ]] && command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [[ $major -ge 18 ]]; then NODE=$(command -v node); else echo "node on PATH is too old ($(node --version))"; fi
fi
if [[ -z $NODE ]]; then
  NODE=/tmp/fsbayes-node/node
  mkdir -p /tmp/fsbayes-node
  if [[ ! -x $NODE ]]; then
    echo "unpacking $D/node/node.xz ($(cat $D/node/VERSION 2>/dev/null))"
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$D/node/node.xz" >"$NODE.part"
    else
      python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$D/node/node.xz" "$NODE.part"
    fi && mv "$NODE.part" "$NODE" && chmod +x "$NODE"
  fi
fi
echo "node: $NODE $("$NODE" --version 2>&1)"

step "5. Dawn (webgpu linux-x64 binary)"
dawn=$D/app/node_modules/webgpu/dist/linux-x64.dawn.node
if [[ ! -f $dawn && -f $dawn.xz ]]; then
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$dawn.xz" >"$dawn.part"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$dawn.xz" "$dawn.part"
  fi && mv "$dawn.part" "$dawn"
fi
[[ -f $dawn ]] || warn "no Dawn binary at $dawn (carried .device?)"
ldd "$dawn" 2>&1 | grep -E 'not found|libvulkan' || true
RUN=("$NODE")
load_dawn() { "${RUN[@]}" -e "require(process.argv[1]); console.log('Dawn loads')" "$PWD/$dawn" 2>&1 | head -5; }
msg=$(load_dawn)
echo "$msg"
if [[ $msg != *"Dawn loads"* ]] && [[ $msg == *GLIBC* ]]; then
  echo "system C/C++ runtime too old for Dawn: using the carried trixie loader and libraries"
  C=/tmp/fsbayes-compat
  mkdir -p $C
  for f in $D/compat/*.deb; do dpkg -x "$f" $C || warn "dpkg -x $f failed"; done
  libpath="$C$ARCH_LIB"
  [[ -n ${LD_LIBRARY_PATH:-} ]] && libpath="$libpath:$LD_LIBRARY_PATH"
  libpath="$libpath:$ARCH_LIB:/lib/x86_64-linux-gnu:/usr/local/nvidia/lib64:/usr/local/nvidia/lib"
  RUN=("$C$ARCH_LIB/ld-linux-x86-64.so.2" --library-path "$libpath" "$NODE")
  load_dawn
fi
echo "runner: ${RUN[*]}"

step "6. Dawn adapters"
timeout 60 "${RUN[@]}" --input-type=module -e "
const { create } = await import(process.argv[1]);
const gpu = create([]);
for (const o of [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }]) {
  try {
    const a = await gpu.requestAdapter(o);
    console.log(JSON.stringify(o), a ? JSON.stringify({ fallback: a.isFallbackAdapter, vendor: a.info?.vendor, architecture: a.info?.architecture, device: a.info?.device, description: a.info?.description }) : 'null');
  } catch (e) { console.log(JSON.stringify(o), 'error', e.message); }
}
process.exit(0);" "$PWD/$D/app/node_modules/webgpu/index.js" 2>&1 | grep --line-buffered -v XDG_RUNTIME_DIR || warn "adapter listing failed"

step "7. gpu-bench.mjs $*"
timeout 240 "${RUN[@]}" scripts/device/gpu-bench.mjs --out "$OUT/gpu-bench.json" "$@" 2>&1 | grep --line-buffered -v XDG_RUNTIME_DIR
rc=${PIPESTATUS[0]}
[[ $rc == 0 ]] || warn "gpu-bench exited $rc"

step "done in $(($(date +%s) - T0)) s; results in $OUT: $(ls "$OUT" | tr '\n' ' ')"
return "$rc"
}

main "$@" 2>&1 | tee -a "$OUT/gpu-check.log"
exit "${PIPESTATUS[0]}"
