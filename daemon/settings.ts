// Daemon settings: each is a flag and an environment variable (flag wins), then the settings file
// (/etc/ds01/ds01d.yaml, or --config / DS01_CONFIG), then the built-in default.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface Settings {
  socket: string;
  socketGroup: string | null;
  stateDir: string;
  policy: string;
  dockerHost: string;
  nvidiaSmi: string;
  metrics: string | null; // host:port of a loopback listener, or null for off
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Where to look for the NVIDIA runtime hook (dockerd's PATH, when it differs from ds01d's); null = PATH. */
  nvidiaHookPath: string | null;
  /** Image builds: wall-clock limit in seconds, and the largest uploaded context in bytes. */
  buildTimeoutSec: number;
  buildMaxContextBytes: number;
  configFile: string | null;
}

export const DEFAULT_CONFIG_FILE = '/etc/ds01/ds01d.yaml';

const DEFAULTS: Omit<Settings, 'configFile'> = {
  socket: '/run/ds01/ds01.sock',
  socketGroup: null,
  stateDir: '/var/lib/ds01',
  policy: '/etc/ds01/resource-limits.yaml',
  dockerHost: 'unix:///var/run/docker.sock',
  nvidiaSmi: 'nvidia-smi',
  metrics: null,
  logLevel: 'info',
  nvidiaHookPath: null,
  buildTimeoutSec: 3600,
  buildMaxContextBytes: 256 * 1024 * 1024,
};

/** Setting name → [flag, environment variable, settings-file key]. */
const SOURCES = {
  socket: ['socket', 'DS01_SOCKET', 'socket'],
  socketGroup: ['socketGroup', 'DS01_SOCKET_GROUP', 'socket_group'],
  stateDir: ['stateDir', 'DS01_STATE_DIR', 'state_dir'],
  policy: ['policy', 'DS01_POLICY', 'policy'],
  dockerHost: ['dockerHost', 'DOCKER_HOST', 'docker_host'],
  nvidiaSmi: ['nvidiaSmi', 'DS01_NVIDIA_SMI', 'nvidia_smi'],
  metrics: ['metrics', 'DS01_METRICS', 'metrics'],
  logLevel: ['logLevel', 'DS01_LOG_LEVEL', 'log_level'],
  nvidiaHookPath: ['nvidiaHookPath', 'DS01_NVIDIA_HOOK_PATH', 'nvidia_hook_path'],
  buildTimeoutSec: ['buildTimeout', 'DS01_BUILD_TIMEOUT', 'build_timeout'],
  buildMaxContextBytes: ['buildMaxContext', 'DS01_BUILD_MAX_CONTEXT', 'build_max_context'],
} as const satisfies Record<keyof Omit<Settings, 'configFile'>, readonly [string, string, string]>;

const fileSchema = z
  .object({
    socket: z.string().min(1),
    socket_group: z.string().min(1).nullable(),
    state_dir: z.string().min(1),
    policy: z.string().min(1),
    docker_host: z.string().min(1),
    nvidia_smi: z.string().min(1),
    metrics: z.string().min(1).nullable(),
    log_level: z.enum(['debug', 'info', 'warn', 'error']),
    nvidia_hook_path: z.string().min(1).nullable(),
    build_timeout: z.number().positive(),
    build_max_context: z.number().int().positive(),
  })
  .partial()
  .strict();

export class SettingsError extends Error {}

export function loadSettings(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const explicitFile = flags.config ?? env.DS01_CONFIG;
  const configFile = explicitFile ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  let file: z.infer<typeof fileSchema> = {};
  if (configFile) {
    if (!existsSync(configFile)) throw new SettingsError(`settings file ${configFile} does not exist`);
    const raw = parseYaml(readFileSync(configFile, 'utf8')) ?? {};
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new SettingsError(`${configFile}: ${first?.path.join('.') || '(top)'}: ${first?.message}`);
    }
    file = parsed.data;
  }
  const out: Record<string, unknown> = { ...DEFAULTS, configFile };
  for (const [key, [flag, envName, fileKey]] of Object.entries(SOURCES)) {
    const fromFlag = flags[flag];
    const fromEnv = env[envName];
    const fromFile = (file as Record<string, unknown>)[fileKey];
    if (fromFlag !== undefined) out[key] = fromFlag;
    else if (fromEnv !== undefined && fromEnv !== '') out[key] = fromEnv;
    else if (fromFile !== undefined) out[key] = fromFile;
  }
  if (out.metrics === 'off' || out.metrics === '') out.metrics = null;
  if (!['debug', 'info', 'warn', 'error'].includes(String(out.logLevel))) {
    throw new SettingsError(`log level must be debug, info, warn or error (got ${String(out.logLevel)})`);
  }
  if (out.metrics !== null) checkLoopback(String(out.metrics));
  for (const key of ['buildTimeoutSec', 'buildMaxContextBytes'] as const) {
    const n = Number(out[key]);
    if (!Number.isFinite(n) || n <= 0)
      throw new SettingsError(`${SOURCES[key][1]} must be a positive number (got ${String(out[key])})`);
    out[key] = n;
  }
  return out as unknown as Settings;
}

/** The metrics listener is for a local Prometheus or an SSH tunnel: never bind it beyond loopback. */
function checkLoopback(addr: string) {
  const m = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[2]) > 65535) {
    throw new SettingsError(
      `metrics address must be a loopback host:port such as 127.0.0.1:9401 (got ${addr})`,
    );
  }
}

export function databasePath(s: Settings): string {
  return join(s.stateDir, 'ds01.db');
}
