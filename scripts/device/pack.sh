#!/usr/bin/env bash
# Pack what the GPU machine needs for scripts/device/gpu-check.sh into the
# git-ignored folder .device/ (listed in .git/info/exclude), run from the repo
# root after `pnpm build`. The device image has no Node.js and no network.
#
#   .device/node/node.xz             this machine's node, stripped, xz -9
#   .device/node/VERSION
#   .device/compat/*.deb             Debian trixie libc6, libstdc++6, libgcc-s1: Dawn needs
#                                    GLIBC_2.38 / GLIBCXX_3.4.32; used only if the device's are older
#   .device/app/core/{package.json,dist,wasm/build}    the built @fsbayes/core
#   .device/app/node_modules/        gpu.js (src only), acorn, gpu-mock.js, seedrandom,
#                                    webgpu (linux-x64 Dawn binary only, as .xz)
#   .device/MANIFEST.txt             what was packed, with sizes and checksums
#
# The Vulkan loader debs go to .gl/ (device README recipe), also git-ignored.
# Options: --force repacks node.xz and the debs even if present.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
force=0
[[ "${1:-}" == "--force" ]] && force=1

step() { echo "=== pack: $*"; }
D=.device
mkdir -p "$D/node" "$D/compat" "$D/app" .git/info
touch .git/info/exclude
for p in /.device/ /.gl/; do grep -qxF "$p" .git/info/exclude || echo "$p" >>.git/info/exclude; done

core=packages/core
dist=${FSBAYES_CORE_DIST:-$core/dist} # override only to test the packing against another build
[[ -f $dist/backend/gpu.js ]] || { echo "pack: $dist/backend/gpu.js is missing: run pnpm build first" >&2; exit 1; }
[[ -f $core/wasm/build/fsbayes-simd.wasm ]] || { echo "pack: $core/wasm/build is missing: run pnpm build first" >&2; exit 1; }

step "node binary"
node_bin=$(command -v node)
ver=$(node --version)
if [[ $force == 1 || ! -f $D/node/node.xz || "$(cat $D/node/VERSION 2>/dev/null)" != "$ver" ]]; then
  tmp=$(mktemp -d)
  strip -o "$tmp/node" "$node_bin"
  "$tmp/node" --version >/dev/null
  xz -9 -T0 -c "$tmp/node" >"$D/node/node.xz.part"
  mv "$D/node/node.xz.part" "$D/node/node.xz"
  echo "$ver" >"$D/node/VERSION"
  rm -rf "$tmp"
fi
echo "node $ver: $(du -h $D/node/node.xz | cut -f1) compressed"

step "compat libc/libstdc++ debs (trixie)"
if [[ $force == 1 || $(ls $D/compat/*.deb 2>/dev/null | wc -l) -lt 3 ]]; then
  t=/tmp/fsbayes-trixie
  mkdir -p $t/lists/partial $t/cache/archives/partial
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' >$t/sources.list
  o="-oDir::State::Lists=$t/lists -oDir::Etc::SourceList=$t/sources.list -oDir::Etc::SourceParts=/dev/null -oDir::Cache=$t/cache -oAPT::Architecture=amd64"
  apt-get $o update >/dev/null
  rm -f $D/compat/*.deb
  (cd $D/compat && apt-get $o download libc6 libstdc++6 libgcc-s1)
fi
ls $D/compat

step "Vulkan/GL loader debs (.gl, bookworm)"
if [[ $force == 1 || ! -f $(ls .gl/libvulkan1_*.deb 2>/dev/null | head -1) ]]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
ls .gl

step "app: @fsbayes/core build"
rm -rf "$D/app"
mkdir -p "$D/app/core/wasm" "$D/app/node_modules"
cp $core/package.json "$D/app/core/"
mkdir -p "$D/app/core/dist"
tar -C "$dist" --exclude '*.map' --exclude '*.d.ts' --exclude '*.tsbuildinfo' -cf - . | tar -C "$D/app/core/dist" -xf -
cp -r $core/wasm/build "$D/app/core/wasm/"

step "app: node_modules"
gpujs=$(readlink -f $core/node_modules/gpu.js)
mods=$(dirname "$gpujs") # pnpm's folder holding gpu.js and its dependencies
copy_pkg() { # name dir [tar excludes...]
  local name=$1 src=$2
  shift 2
  mkdir -p "$D/app/node_modules/$name"
  tar -C "$src" -h --exclude ./node_modules "$@" -cf - . | tar -C "$D/app/node_modules/$name" -xf -
}
copy_pkg gpu.js "$gpujs" --exclude ./dist
copy_pkg acorn "$mods/acorn"
copy_pkg gpu-mock.js "$mods/gpu-mock.js"
copy_pkg seedrandom "$(readlink -f $core/node_modules/seedrandom)"
webgpu=$(readlink -f "$mods/webgpu")
copy_pkg webgpu "$webgpu" --exclude ./dist
mkdir -p "$D/app/node_modules/webgpu/dist"
xz -9 -T0 -c "$webgpu/dist/linux-x64.dawn.node" >"$D/app/node_modules/webgpu/dist/linux-x64.dawn.node.xz"

step "manifest"
{
  echo "packed $(date -u +%FT%TZ) from $(git rev-parse --short HEAD) (+ working tree)"
  echo "node $ver"
  echo "gpu.js $(node -p "require('./$D/app/node_modules/gpu.js/package.json').version")"
  echo "webgpu $(node -p "require('./$D/app/node_modules/webgpu/package.json').version")"
  (cd $D && find . -type f ! -name MANIFEST.txt -printf '%s\t%p\n' | sort -k2)
  sha256sum $D/node/node.xz $D/app/node_modules/webgpu/dist/linux-x64.dawn.node.xz
} >"$D/MANIFEST.txt"
du -sh "$D" .gl
echo "total carried: $(du -scb "$D" .gl | tail -1 | cut -f1) bytes"
