// Units as the terminal prints them: durations, times, sizes.
export function duration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const hh = Math.floor(m / 60);
  if (hh < 48) return `${hh}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(hh / 24)}d${hh % 24 ? `${hh % 24}h` : ''}`;
}

export function until(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const d = (Date.parse(iso) - now) / 1000;
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function gib(mib: number | null): string {
  return mib === null ? '—' : `${(mib / 1024).toFixed(mib >= 10_240 ? 0 : 1)} GiB`;
}

export const hours = (x: number) => `${x.toFixed(x >= 10 ? 0 : 1)} GPU-h`;

/** Bytes in binary units with one decimal, as the commands print them: 1887437 → "1.8 MiB". */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (i < units.length - 1 && Math.round(v * 10) / 10 >= 1024) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[i]}`;
}
