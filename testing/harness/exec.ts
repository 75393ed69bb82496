import { type ExecFileOptions, execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Run a program; resolves with its output and exit code (never rejects on a non-zero exit). */
export function execFileResult(
  file: string,
  args: string[],
  opts: ExecFileOptions & { input?: string } = {},
) {
  return new Promise<ExecResult>((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { maxBuffer: 64 * 1024 * 1024, ...opts, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ stdout: String(stdout), stderr: String(stderr), code: err ? Number(err.code ?? 1) : 0 });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Run a program and return stdout; rejects with stderr on a non-zero exit. */
export async function execFileText(
  file: string,
  args: string[],
  opts: ExecFileOptions = {},
): Promise<string> {
  const r = await execFileResult(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
