// `ds01 quota`: your ~/workspace and image storage against your quotas, what is largest, and what happens
// over the limit. Admins: `--user NAME`, `--all`.
import type { QuotaReport, StorageLine } from '../../daemon/api/types/quota.js';
import type { Ctx } from '../lib/context.js';
import { paint, printJson, prose, table } from '../lib/output.js';
import { quota } from '../lib/quota.js';
import { ago, size } from '../lib/units.js';

export interface QuotaOpts {
  user?: string;
  all?: boolean;
  refresh?: boolean;
  json?: boolean;
}

const pct = (l: StorageLine) =>
  l.usedBytes === null || l.hardBytes === null
    ? '-'
    : `${l.hardBytes === 0 ? 100 : Math.floor((l.usedBytes / l.hardBytes) * 100)}%`;

const state = (l: StorageLine, enforced: boolean) =>
  l.hardBytes === null
    ? 'no quota'
    : l.usedBytes === null
      ? 'not measured yet'
      : l.level === 'hard'
        ? enforced
          ? 'OVER: deploys/builds refused'
          : 'over (not enforced)'
        : l.level === 'soft'
          ? 'warning'
          : 'ok';

export async function runQuota(ctx: Ctx, opts: QuotaOpts): Promise<number> {
  const reports = await quota(ctx.client, opts);
  if (opts.json) {
    printJson(ctx.io, opts.all ? reports : reports[0]);
    return 0;
  }
  if (opts.all) {
    ctx.io.out(
      table(
        ['USER', 'WORKSPACE', 'USE', 'IMAGES', 'USE', 'STATE'],
        reports.map((r) => [
          r.user,
          `${size(r.workspace.usedBytes)} / ${quotaText(r.workspace)}`,
          pct(r.workspace),
          `${size(r.images.usedBytes)} / ${quotaText(r.images)}`,
          pct(r.images),
          worst(r),
        ]),
        ctx.io,
      ),
    );
    return 0;
  }
  const r = reports[0];
  if (!r) return 1;
  const p = paint(ctx.io);
  const o = ctx.io.out;
  const how = r.enforced ? 'refused over a quota' : 'not enforced: measured and warned only';
  o(
    prose(
      ctx.io,
      `${p.bold(r.user)}: storage (warning at ${Math.round(r.threshold * 100)}% of a quota; ${how})`,
    ),
  );
  o('\n');
  const lines = [r.workspace, r.images];
  o(
    table(
      ['', 'USED', 'QUOTA', 'USE', 'STATE', 'MEASURED'],
      lines.map((l) => [
        l.kind === 'workspace' ? '~/workspace' : 'images',
        size(l.usedBytes),
        quotaText(l),
        pct(l),
        state(l, r.enforced),
        l.measuredAt ? ago(l.measuredAt, Date.now()) : '-',
      ]),
      ctx.io,
    ),
  );
  for (const l of lines) {
    if (l.largest.length === 0) continue;
    const what = l.kind === 'workspace' ? 'Largest in ~/workspace' : 'Largest images (what each adds)';
    o(`\n${p.bold(what)}\n`);
    o(
      table(
        ['NAME', 'SIZE'],
        l.largest.slice(0, 5).map((x) => [x.name, size(x.bytes)]),
        ctx.io,
      ),
    );
  }
  if (lines.some((l) => l.level === 'hard' || l.level === 'soft')) {
    o('\n');
    o(
      prose(
        ctx.io,
        'To free space: delete what you no longer need in ~/workspace, remove images with `image-delete NAME`, then run `ds01 quota --refresh`. Running containers are never stopped for storage.',
      ),
    );
  }
  return 0;
}

function quotaText(l: StorageLine): string {
  return l.hardBytes === null ? 'unlimited' : size(l.hardBytes);
}

function worst(r: QuotaReport): string {
  const over = [r.workspace, r.images].filter((l) => l.level === 'hard').map((l) => l.kind);
  if (over.length) return `over: ${over.join(', ')}`;
  const warn = [r.workspace, r.images].filter((l) => l.level === 'soft').map((l) => l.kind);
  if (warn.length) return `warning: ${warn.join(', ')}`;
  return r.workspace.usedBytes === null ? 'not measured yet' : 'ok';
}
