// PURE: `ds01 gpu test SLOT` — the check run inside a short-lived container on the slot, and how its
// output is read. The container is made by ds01d's own spec builder (devices and NVIDIA_VISIBLE_DEVICES
// set by the daemon), so the check sees exactly what a user's container on that slot would.
// Three parts, each `ok`, `fail` or `skipped`, one `DS01TEST <part> <status> <detail>` line each:
//   device  the GPU is visible: `nvidia-smi -L` inside, or /dev/nvidia* present
//   memory  256 MiB can be allocated on it        } with python3 + torch in the image; otherwise
//   kernel  a 1024² matmul runs and is finite      } "skipped: no CUDA in image"
// The image is the caller's (or the catalogue's first), so its output is theirs: it only decides the
// report they asked for.
import type { GpuTestPart } from '../api/types/gpus.js';

export const GPU_TEST_PARTS = ['device', 'memory', 'kernel'] as const;

const PY = `
import sys
import torch
def say(part, status, detail): print("DS01TEST", part, status, detail, flush=True)
if not torch.cuda.is_available():
    say("memory", "fail", "torch " + torch.__version__ + " sees no CUDA device")
    say("kernel", "skipped", "no CUDA device")
    sys.exit(0)
try:
    x = torch.empty(64 * 1024 * 1024, dtype=torch.float32, device="cuda")
    torch.cuda.synchronize()
    say("memory", "ok", "allocated 256 MiB on " + torch.cuda.get_device_name(0))
except Exception as e:
    say("memory", "fail", (str(e).splitlines() or ["error"])[0][:200])
    say("kernel", "skipped", "memory could not be allocated")
    sys.exit(0)
try:
    a = torch.randn(1024, 1024, device="cuda")
    b = a @ a
    torch.cuda.synchronize()
    say("kernel", "ok" if bool(torch.isfinite(b).all()) else "fail", "1024x1024 matmul")
except Exception as e:
    say("kernel", "fail", (str(e).splitlines() or ["error"])[0][:200])
`;

/** The POSIX sh script the container runs (busybox is enough for the device part). */
export const GPU_TEST_SCRIPT = `
say() { echo "DS01TEST $*"; }
vis="NVIDIA_VISIBLE_DEVICES=\${NVIDIA_VISIBLE_DEVICES:-unset}"
devs=$(ls /dev/nvidia[0-9]* 2>/dev/null | tr '\\n' ' ')
if command -v nvidia-smi >/dev/null 2>&1; then
  if out=$(nvidia-smi -L 2>&1); then say device ok "$(echo "$out" | head -3 | tr '\\n' ' ')"
  else say device fail "nvidia-smi -L: $(echo "$out" | head -2 | tr '\\n' ' ') ($vis)"; fi
elif [ -n "$devs" ]; then say device ok "\${devs}present, no nvidia-smi in the image ($vis)"
else say device fail "no /dev/nvidia* device and no nvidia-smi in the container ($vis): is the NVIDIA container runtime hook working?"
fi
py=$(command -v python3 || command -v python)
if [ -n "$py" ] && "$py" -c 'import torch' >/dev/null 2>&1; then
  "$py" -c '${PY.replace(/'/g, `'"'"'`)}' 2>&1 | grep '^DS01TEST ' || say memory fail "the torch check crashed"
else
  say memory skipped "no CUDA in image (no python3 with torch)"
  say kernel skipped "no CUDA in image (no python3 with torch)"
fi
`;

const LINE = /^DS01TEST (device|memory|kernel) (ok|fail|skipped) ?(.*)$/;

/**
 * The parts from the container's output (the last line of each wins), and what is missing: a check that
 * timed out or died says so for every part it did not reach.
 */
export function readGpuTest(
  output: string,
  end: { timedOut: boolean; timeoutSec: number; exitCode: number | null },
): GpuTestPart[] {
  const found = new Map<string, GpuTestPart>();
  for (const raw of output.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (m)
      found.set(m[1] as string, {
        name: m[1] as GpuTestPart['name'],
        status: m[2] as GpuTestPart['status'],
        detail: (m[3] ?? '').slice(0, 300),
      });
  }
  const why = end.timedOut
    ? `timed out after ${end.timeoutSec} s`
    : `the check ended (exit ${end.exitCode ?? '?'}) before this part`;
  return GPU_TEST_PARTS.map((name) => found.get(name) ?? { name, status: 'fail', detail: why });
}

/** Passed when no part failed and the device is visible. */
export function gpuTestPassed(parts: readonly GpuTestPart[]): boolean {
  return (
    parts.every((p) => p.status !== 'fail') && parts.some((p) => p.name === 'device' && p.status === 'ok')
  );
}
