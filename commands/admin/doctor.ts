// `ds01 doctor`: the daemon's checks (Docker, NVIDIA hook, nvidia-smi, MIG layout, slices, database,
// policy) plus what only the client can see (the socket as users meet it, versions). Exit 0 when nothing
// failed (warnings are printed), 1 when a check failed.
import { lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckStatus, DoctorCheck, DoctorReport } from '../../daemon/api/types/index.js';
import { VERSION } from '../../daemon/common/version.js';
import { doctor } from '../lib/admin.js';
import type { Ctx } from '../lib/context.js';
import { paint, printJson, prose } from '../lib/output.js';

/** The socket: a socket, reachable by the users it is meant for (0666, or 0660 with a group). */
export function socketCheck(path: string): DoctorCheck {
  const base = { id: 'socket', title: 'API socket permissions' };
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (err) {
    return {
      ...base,
      status: 'fail',
      detail: `${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      hint: 'start ds01d (systemctl start ds01d.socket ds01d) or set DS01_SOCKET',
    };
  }
  if (!st.isSocket())
    return {
      ...base,
      status: 'fail',
      detail: `${path} is not a socket`,
      hint: 'remove it and restart ds01d',
    };
  const mode = st.mode & 0o777;
  const problems: string[] = [];
  if ((mode & 0o006) !== 0o006 && (mode & 0o060) !== 0o060)
    problems.push('neither other users nor a group may connect');
  if (mode & 0o111) problems.push('it is executable (harmless but odd)');
  // Only the root daemon may own it: an owner can chmod it or have replaced the daemon behind it.
  if (st.uid !== 0) problems.push(`it is owned by uid ${st.uid}, not root (ds01d runs as root)`);
  // Every directory above must be searchable by the users who connect.
  for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) {
    const dmode = statSync(dir).mode;
    if ((mode & 0o006) === 0o006 && !(dmode & 0o001))
      problems.push(`${dir} is not searchable by other users`);
  }
  const who = (mode & 0o006) === 0o006 ? 'every user' : `group ${st.gid} only`;
  if (problems.length)
    return {
      ...base,
      status: 'warn',
      detail: `${path} mode ${mode.toString(8).padStart(4, '0')}: ${problems.join('; ')}`,
      hint: 'ds01d sets 0666 (or 0660 with socket.group); check the directory permissions and any tmpfiles rule',
    };
  return {
    ...base,
    status: 'ok',
    detail: `${path} mode ${mode.toString(8).padStart(4, '0')}: ${who} may connect (identity from SO_PEERCRED)`,
  };
}

export function versionCheck(daemon: string, cli: string): DoctorCheck {
  const base = { id: 'version', title: 'Daemon and client versions' };
  if (daemon === cli) return { ...base, status: 'ok', detail: `ds01d ${daemon}, ds01 ${cli}` };
  return {
    ...base,
    status: 'warn',
    detail: `ds01d ${daemon} but this ds01 is ${cli}`,
    hint: 'restart ds01d after an upgrade (systemctl restart ds01d)',
  };
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export async function runDoctor(ctx: Ctx, o: { json?: boolean }): Promise<number> {
  const report: DoctorReport = await doctor(ctx.client);
  const checks = [
    socketCheck(ctx.client.socket),
    ...report.checks,
    versionCheck(report.daemonVersion, VERSION),
  ];
  const worst: CheckStatus = checks.some((c) => c.status === 'fail')
    ? 'fail'
    : checks.some((c) => c.status === 'warn')
      ? 'warn'
      : 'ok';
  if (o.json) printJson(ctx.io, { daemonVersion: report.daemonVersion, checks, worst });
  else {
    const p = paint(ctx.io);
    const color = { ok: p.green, warn: p.yellow, fail: p.red };
    for (const c of checks) {
      ctx.io.out(
        prose(ctx.io, `${color[c.status](MARK[c.status])}  ${p.bold(c.title)}: ${c.detail}`, '      '),
      );
      if (c.hint && c.status !== 'ok')
        ctx.io.out(prose(ctx.io, `      ${p.dim('fix:')} ${c.hint}`, '           '));
    }
    ctx.io.out(
      worst === 'ok'
        ? 'all checks passed\n'
        : worst === 'warn'
          ? 'passed with warnings\n'
          : 'some checks FAILED\n',
    );
  }
  return worst === 'fail' ? 1 : 0;
}
