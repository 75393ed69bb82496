// PURE: NVIDIA Xid errors from kernel log lines (`NVRM: Xid (PCI:0000:3b:00): 79, pid=…, GPU has fallen
// off the bus.`), what the well-known numbers mean, and which are fatal: the GPU is drained until an
// admin has looked at it (a reset or a reboot), because anything placed on it would fail or corrupt.

export interface XidEvent {
  /** `bb:dd` of the PCI address, lower case: how the line names the GPU. */
  bus: string;
  xid: number;
  text: string;
}

export interface XidMeaning {
  meaning: string;
  fatal: boolean;
}

const KNOWN: Readonly<Record<number, XidMeaning>> = {
  13: { meaning: 'graphics engine exception (usually the application)', fatal: false },
  31: { meaning: 'GPU memory page fault (usually the application)', fatal: false },
  43: { meaning: 'GPU stopped processing (usually the application)', fatal: false },
  45: { meaning: 'preemptive cleanup after an earlier error', fatal: false },
  48: { meaning: 'double-bit ECC error', fatal: true },
  61: { meaning: 'internal micro-controller breakpoint', fatal: true },
  62: { meaning: 'internal micro-controller halt', fatal: true },
  63: { meaning: 'ECC page retirement or row remapping recorded', fatal: false },
  64: { meaning: 'ECC page retirement or row remapping failed', fatal: true },
  74: { meaning: 'NVLink error', fatal: true },
  79: { meaning: 'GPU has fallen off the bus', fatal: true },
  92: { meaning: 'high single-bit ECC error rate', fatal: false },
  94: { meaning: 'contained ECC error (the application was stopped)', fatal: false },
  95: { meaning: 'uncontained ECC error', fatal: true },
  119: { meaning: 'GSP RPC timeout', fatal: true },
  120: { meaning: 'GSP error', fatal: true },
};

export function xidMeaning(xid: number): XidMeaning {
  return KNOWN[xid] ?? { meaning: 'see NVIDIA’s Xid catalogue', fatal: false };
}

const LINE =
  /NVRM: Xid \((?:PCI:)?([0-9a-fA-F]{4,8}:)?([0-9a-fA-F]{2}:[0-9a-fA-F]{2})(?:\.\d)?\): (\d+),?\s*(.*)$/;

export function parseXidLines(text: string): XidEvent[] {
  const out: XidEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ bus: (m[2] as string).toLowerCase(), xid: Number(m[3]), text: (m[4] ?? '').trim() });
  }
  return out;
}

/** `bb:dd` of an nvidia-smi bus id (`00000000:3B:00.0`). */
export function busKey(busId: string | null): string | null {
  const m = /([0-9a-fA-F]{2}:[0-9a-fA-F]{2})(\.\d)?$/.exec(busId ?? '');
  return m ? (m[1] as string).toLowerCase() : null;
}
