#!/usr/bin/env bash
# The GPU bundle's entry point (built by `cargo xtask gpu-bundle`). On a machine with an NVIDIA
# driver (CUDA >= 13) and a Python whose `nvidia-*` wheels carry cuBLAS, cuRAND and NVRTC, it runs
# the CUDA tests and the measurements of run_bundle.py, and writes results.json and run.log into
# OUT_DIR. No Rust toolchain and no network are needed.
#
#   ./run.sh OUT_DIR            # on the GPU machine (about 8 minutes)
#   ./run.sh --cpu OUT_DIR      # dry run on the CPU with tiny inputs (CI runs this)
#   ./run.sh OUT_DIR --only gan_805,tests   # rerun some steps
#
# Environment: PYTHON (default python3), GENOSYNTH_BUNDLE_DEADLINE (overall seconds, default 420).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cpu=0
if [ "${1:-}" = "--cpu" ]; then
    cpu=1
    shift
fi
out="${1:?usage: run.sh [--cpu] OUT_DIR [run_bundle.py options, e.g. --only gan_805,tests]}"
shift
mkdir -p "$out"
python="${PYTHON:-python3}"

# The binaries were linked against the CUDA 13 libraries by soname; find a directory holding
# each one, in the Python nvidia wheels first, then the system's.
# The binaries need these by soname (readelf -d); cuBLAS loads cuBLASLt, candle loads NVRTC.
needed=(libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libnvrtc.so.13)
dirs=()
if wheel_dirs="$("$python" - 2>/dev/null <<'EOF'
import glob, os
try:
    import nvidia
except ImportError:
    raise SystemExit(0)
for root in nvidia.__path__:
    for d in sorted(set(os.path.dirname(p) for p in glob.glob(os.path.join(root, "**", "lib*.so*"), recursive=True))):
        print(d)
EOF
)"; then
    while IFS= read -r d; do [ -n "$d" ] && dirs+=("$d"); done <<<"$wheel_dirs"
fi
for d in /usr/local/cuda/lib64 /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu; do
    [ -d "$d" ] && dirs+=("$d")
done
find_lib() {
    local d
    for d in "${dirs[@]}"; do
        if [ -e "$d/$1" ]; then echo "$d"; return 0; fi
    done
    ldconfig -p 2>/dev/null | grep -q " $1 " && { echo system; return 0; }
    return 1
}
libpath=()
missing=()
for lib in "${needed[@]}" libcuda.so.1; do
    if d="$(find_lib "$lib")"; then
        [ "$d" != system ] && libpath+=("$d")
    else
        missing+=("$lib")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$cpu" = 1 ]; then
        # No CUDA here: the bundle's link-time stubs let the binaries load; --device cpu never
        # calls into them.
        echo "run.sh: ${missing[*]} not found; using the bundle's stubs (CPU only)" >&2
        libpath+=("$here/lib/stubs")
    else
        echo "run.sh: error: CUDA libraries not found: ${missing[*]}" >&2
        echo "  looked in the Python nvidia wheels ($python), /usr/local/cuda/lib64, /usr/local/nvidia/lib64, ldconfig" >&2
        echo "  hint: install nvidia-cublas, nvidia-curand and nvidia-cuda-nvrtc (CUDA 13) or set LD_LIBRARY_PATH" >&2
        exit 2
    fi
fi
dedup="$(printf '%s\n' "${libpath[@]}" | awk '!seen[$0]++' | paste -sd: -)"
export LD_LIBRARY_PATH="${dedup}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GENOSYNTH_CUDA_LIBS="$dedup"
echo "run.sh: LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >&2

# Unpack the xz-compressed executables (Python's lzma: the machine may have no xz).
bin="${TMPDIR:-/tmp}/genosynth-bundle-bin-$$"
"$python" - "$here/bin" "$bin" <<'EOF'
import lzma, os, sys
src, dst = sys.argv[1], sys.argv[2]
for root, _, files in os.walk(src):
    for name in files:
        if name.endswith(".xz"):
            target = os.path.join(dst, os.path.relpath(root, src), name[:-3])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with lzma.open(os.path.join(root, name)) as f, open(target, "wb") as g:
                g.write(f.read())
            os.chmod(target, 0o755)
EOF
export GENOSYNTH_BUNDLE_BIN="$bin"
trap 'rm -rf "$bin"' EXIT

args=(--out "$out" --deadline "${GENOSYNTH_BUNDLE_DEADLINE:-420}")
[ "$cpu" = 1 ] && args+=(--cpu)
"$python" "$here/py/run_bundle.py" "${args[@]}" "$@"
