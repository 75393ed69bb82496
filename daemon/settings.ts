// Long on purpose: SETTINGS is one declarative table, an entry per setting, best kept in one place.
// Daemon settings: each is a flag and an environment variable (flag wins), then the settings file
// (/etc/ds01/ds01d.yaml, or --config / DS01_CONFIG), then the built-in default. Each setting is described
// once, in SETTINGS (flag, variable, file key, schema, default, help); the Settings type, the defaults,
// the file schema and ds01d's command-line options are derived from it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

interface Setting<S extends z.ZodType> {
  /** ds01d's option, `--<flag> <arg>`; loadSettings reads it under commander's camelCase name. */
  flag: string;
  arg: string;
  env: string;
  /** Key in the settings file. */
  file: string;
  /** Checks the value from any source; `expected` says what a good one looks like. */
  schema: S;
  expected: string;
  /** Turns a flag's or variable's text (or a file value) into what the schema checks. */
  read?: (raw: unknown) => unknown;
  default: z.infer<S>;
  /** The default as --help shows it, when the value itself does not say it well. */
  defaultText?: string;
  help: string;
}

const setting = <S extends z.ZodType>(s: Setting<S>) => s;
const text = z.string().min(1);
const number = (raw: unknown) => (typeof raw === 'string' ? Number(raw) : raw);
/** Slurm's names for nodes, accounts and QOS. */
const SLURM_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):(\d{1,5})$/;
const HOST_PORT = /^([A-Za-z0-9_.-]{1,253}|\[[0-9a-fA-F:]{2,39}\]):(\d{1,5})$/;
/** `n1=host:7788,n2=10.0.0.2:7788` (docs/cluster.md, "Between nodes"). */
const CLUSTER_NODES =
  /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}=[A-Za-z0-9_.:[\]-]{1,260}:\d{1,5}(,[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}=[A-Za-z0-9_.:[\]-]{1,260}:\d{1,5}){0,1023}$/;

export const SETTINGS = {
  socket: setting({
    flag: 'socket',
    arg: '<path>',
    env: 'DS01_SOCKET',
    file: 'socket',
    schema: text,
    expected: 'a path',
    default: '/run/ds01/ds01.sock',
    help: 'API socket',
  }),
  socketGroup: setting({
    flag: 'socket-group',
    arg: '<group>',
    env: 'DS01_SOCKET_GROUP',
    file: 'socket_group',
    schema: text.nullable(),
    expected: 'a group name',
    default: null,
    defaultText: 'none: every local user, mode 0666',
    help: 'group that may use the socket (mode 0660)',
  }),
  stateDir: setting({
    flag: 'state-dir',
    arg: '<dir>',
    env: 'DS01_STATE_DIR',
    file: 'state_dir',
    schema: text,
    expected: 'a directory',
    default: '/var/lib/ds01',
    help: 'state directory',
  }),
  policy: setting({
    flag: 'policy',
    arg: '<file>',
    env: 'DS01_POLICY',
    file: 'policy',
    schema: text,
    expected: 'a file',
    default: '/etc/ds01/resource-limits.yaml',
    help: 'resource-limits.yaml',
  }),
  dockerHost: setting({
    flag: 'docker-host',
    arg: '<url>',
    env: 'DOCKER_HOST',
    file: 'docker_host',
    schema: text,
    expected: 'a Docker host such as unix:///var/run/docker.sock',
    default: 'unix:///var/run/docker.sock',
    help: 'Docker API',
  }),
  userFiles: setting({
    flag: 'user-files',
    arg: '<how>',
    env: 'DS01_USER_FILES',
    file: 'user_files',
    schema: z.enum(['layer', 'archive']),
    expected: 'layer or archive',
    default: 'layer',
    help: "how a new container gets the user's passwd/group/home: layer (into its overlay2 upper layer where it can, else archive) or archive (always Docker's archive put)",
  }),
  nvidiaSmi: setting({
    flag: 'nvidia-smi',
    arg: '<path>',
    env: 'DS01_NVIDIA_SMI',
    file: 'nvidia_smi',
    schema: text,
    expected: 'a program',
    default: 'nvidia-smi',
    defaultText: 'nvidia-smi on PATH',
    help: 'nvidia-smi program',
  }),
  metrics: setting({
    flag: 'metrics',
    arg: '<host:port>',
    env: 'DS01_METRICS',
    file: 'metrics',
    // The listener is for a local Prometheus or an SSH tunnel: never bound beyond loopback.
    schema: z
      .string()
      .refine((v) => {
        const m = LOOPBACK.exec(v);
        return m !== null && Number(m[2]) <= 65535;
      })
      .nullable(),
    expected: 'a loopback host:port such as 127.0.0.1:9401, or off',
    read: (raw) => (raw === 'off' || raw === '' ? null : raw),
    default: null,
    defaultText: 'off',
    help: 'Prometheus listener on loopback',
  }),
  webSocket: setting({
    flag: 'web-socket',
    arg: '<path>',
    env: 'DS01_WEB_SOCKET',
    file: 'web_socket',
    schema: text.nullable(),
    expected: 'a path, or off',
    read: (raw) => (raw === 'off' || raw === '' ? null : raw),
    default: '/run/ds01/web.sock',
    help: 'web dashboard socket (users reach it with ssh -L), or off',
  }),
  logLevel: setting({
    flag: 'log-level',
    arg: '<level>',
    env: 'DS01_LOG_LEVEL',
    file: 'log_level',
    schema: z.enum(['debug', 'info', 'warn', 'error']),
    expected: 'debug, info, warn or error',
    default: 'info',
    help: 'debug|info|warn|error',
  }),
  nvidiaHookPath: setting({
    flag: 'nvidia-hook-path',
    arg: '<dirs>',
    env: 'DS01_NVIDIA_HOOK_PATH',
    file: 'nvidia_hook_path',
    schema: text.nullable(),
    expected: 'a PATH-style list of directories',
    default: null,
    defaultText: "ds01d's PATH",
    help: "where doctor looks for the NVIDIA runtime hook (dockerd's PATH)",
  }),
  quotaScanIntervalSec: setting({
    flag: 'quota-scan-interval',
    arg: '<seconds>',
    env: 'DS01_QUOTA_SCAN_INTERVAL',
    file: 'quota_scan_interval',
    schema: z.number().min(1),
    expected: 'a number of seconds, at least 1',
    read: number,
    default: 1800,
    help: "how often every user's workspace and image storage is measured for the storage quotas",
  }),
  buildTimeoutSec: setting({
    flag: 'build-timeout',
    arg: '<seconds>',
    env: 'DS01_BUILD_TIMEOUT',
    file: 'build_timeout',
    schema: z.number().positive(),
    expected: 'a positive number',
    read: number,
    default: 3600,
    help: 'image build time limit',
  }),
  buildMaxContextBytes: setting({
    flag: 'build-max-context',
    arg: '<bytes>',
    env: 'DS01_BUILD_MAX_CONTEXT',
    file: 'build_max_context',
    schema: z.number().int().positive(),
    expected: 'a positive number',
    read: number,
    default: 256 * 1024 * 1024,
    defaultText: '256 MiB',
    help: 'largest build context upload',
  }),
  buildsPerUser: setting({
    flag: 'builds-per-user',
    arg: '<n>',
    env: 'DS01_BUILDS_PER_USER',
    file: 'builds_per_user',
    schema: z.number().int().positive(),
    expected: 'a whole number of 1 or more',
    read: number,
    default: 2,
    help: 'image builds one user may run at once',
  }),
  // API connections: one user's (root exempt), all, and the part of all kept for admins.
  maxConnectionsPerUser: setting({
    flag: 'max-connections-per-user',
    arg: '<n>',
    env: 'DS01_MAX_CONNECTIONS_PER_USER',
    file: 'max_connections_per_user',
    schema: z.number().int().positive(),
    expected: 'a whole number of 1 or more',
    read: number,
    default: 64,
    help: 'API connections one user may hold open',
  }),
  maxConnections: setting({
    flag: 'max-connections',
    arg: '<n>',
    env: 'DS01_MAX_CONNECTIONS',
    file: 'max_connections',
    schema: z.number().int().positive(),
    expected: 'a whole number of 1 or more',
    read: number,
    default: 2048,
    help: 'API connections in all',
  }),
  adminConnectionReserve: setting({
    flag: 'admin-connection-reserve',
    arg: '<n>',
    env: 'DS01_ADMIN_CONNECTION_RESERVE',
    file: 'admin_connection_reserve',
    schema: z.number().int().min(0),
    expected: 'a whole number of 0 or more',
    read: number,
    default: 128,
    help: 'of max-connections, kept for admins',
  }),
  procRoot: setting({
    flag: 'proc-root',
    arg: '<dir>',
    env: 'DS01_PROC_ROOT',
    file: 'proc_root',
    schema: text,
    expected: 'a path',
    default: '/proc',
    help: 'where GPU processes are looked up (cgroup → container, owner); tests point it elsewhere',
  }),
  kernelLog: setting({
    flag: 'kernel-log',
    arg: '<journal|file>',
    env: 'DS01_KERNEL_LOG',
    file: 'kernel_log',
    schema: text,
    expected: '"journal" or a path',
    default: 'journal',
    help: 'where NVIDIA Xid errors are read: the journal (journalctl -k) or a file such as /var/log/kern.log',
  }),
  // Notifications (the channels themselves are in the policy's `notifications:` section).
  notifyQueueMax: setting({
    flag: 'notify-queue-max',
    arg: '<n>',
    env: 'DS01_NOTIFY_QUEUE_MAX',
    file: 'notify_queue_max',
    schema: z.number().int().positive(),
    expected: 'a whole number of 1 or more',
    read: number,
    default: 5000,
    help: 'notifications waiting for delivery at most; more are dropped and counted',
  }),
  notifyRetryBaseMs: setting({
    flag: 'notify-retry-base-ms',
    arg: '<ms>',
    env: 'DS01_NOTIFY_RETRY_BASE_MS',
    file: 'notify_retry_base_ms',
    schema: z.number().int().positive(),
    expected: 'milliseconds, 1 or more',
    read: number,
    default: 30_000,
    help: 'first retry of a failed delivery after this long, doubling each time (at most an hour)',
  }),
  notifyMaxAttempts: setting({
    flag: 'notify-max-attempts',
    arg: '<n>',
    env: 'DS01_NOTIFY_MAX_ATTEMPTS',
    file: 'notify_max_attempts',
    schema: z.number().int().positive(),
    expected: 'a whole number of 1 or more',
    read: number,
    default: 6,
    help: 'tries of one delivery before it is given up (a notify.failed event)',
  }),
  // A Slurm cluster (docs/cluster.md): Slurm places jobs, each node's ds01d runs their containers.
  backend: setting({
    flag: 'backend',
    arg: '<local|slurm>',
    env: 'DS01_BACKEND',
    file: 'backend',
    schema: z.enum(['local', 'slurm']),
    expected: 'local or slurm',
    default: 'local' as 'local' | 'slurm',
    help: 'who places `ds01 job submit` jobs: this server, or Slurm',
  }),
  slurmNodeName: setting({
    flag: 'slurm-node-name',
    arg: '<name>',
    env: 'DS01_SLURM_NODE_NAME',
    file: 'slurm_node_name',
    schema: z.string().regex(SLURM_WORD, 'a Slurm NodeName').nullable(),
    expected: 'a Slurm NodeName (letters, digits, "_", ".", "-")',
    default: null,
    defaultText: "the host's short name",
    help: "this node's NodeName in slurm.conf",
  }),
  slurmBinDir: setting({
    flag: 'slurm-bin-dir',
    arg: '<dir>',
    env: 'DS01_SLURM_BIN_DIR',
    file: 'slurm_bin_dir',
    schema: z
      .string()
      .regex(/^\/[A-Za-z0-9_./-]*$/)
      .nullable(),
    expected: 'an absolute directory',
    default: null,
    defaultText: "ds01d's PATH",
    help: 'where sbatch, scontrol, squeue, sacct, scancel and sacctmgr are',
  }),
  slurmDs01Command: setting({
    flag: 'slurm-ds01-command',
    arg: '<command>',
    env: 'DS01_SLURM_DS01_COMMAND',
    file: 'slurm_ds01_command',
    schema: z.string().regex(/^[A-Za-z0-9_./-]+( [A-Za-z0-9_./-]+)*$/),
    expected: 'a command and its arguments: letters, digits, "_", ".", "/", "-" and single spaces',
    default: 'ds01',
    help: "the ds01 CLI as a job's batch script runs it on a node",
  }),
  slurmNodeSocket: setting({
    flag: 'slurm-node-socket',
    arg: '<path>',
    env: 'DS01_SLURM_NODE_SOCKET',
    file: 'slurm_node_socket',
    schema: z.string().regex(/^\/[A-Za-z0-9_./{}-]+$/),
    expected: 'an absolute path; {node} stands for the node name',
    default: '/run/ds01/ds01.sock',
    help: "a node's ds01d socket, as its jobs reach it",
  }),
  slurmDaemonGraceSec: setting({
    flag: 'slurm-daemon-grace',
    arg: '<seconds>',
    env: 'DS01_SLURM_DAEMON_GRACE',
    file: 'slurm_daemon_grace',
    schema: z.number().int().positive(),
    expected: 'a whole number of seconds, 1 or more',
    read: number,
    default: 60,
    help: "how long a job waits for its node's ds01d to answer again before it fails",
  }),
  clusterListen: setting({
    flag: 'cluster-listen',
    arg: '<host:port>',
    env: 'DS01_CLUSTER_LISTEN',
    file: 'cluster_listen',
    schema: z
      .string()
      .refine((v) => {
        const m = HOST_PORT.exec(v);
        return m !== null && Number(m[2]) > 0 && Number(m[2]) <= 65535;
      })
      .nullable(),
    expected: 'host:port such as 0.0.0.0:7788, or off',
    read: (raw) => (raw === 'off' || raw === '' ? null : raw),
    default: null,
    defaultText: 'off',
    help: "where this node answers other nodes' ds01d (munge-signed requests: dashboard, job logs)",
  }),
  clusterNodes: setting({
    flag: 'cluster-nodes',
    arg: '<list>',
    env: 'DS01_CLUSTER_NODES',
    file: 'cluster_nodes',
    schema: z.string().regex(CLUSTER_NODES).nullable(),
    expected: 'NAME=host:port entries separated by commas (e.g. n1=n1:7788,n2=10.0.0.2:7788)',
    read: (raw) => (Array.isArray(raw) ? raw.join(',') : raw === '' ? null : raw),
    default: null,
    defaultText: "sinfo's nodes, each at NAME:7788",
    help: 'the nodes whose ds01d the dashboard and `ds01 job logs` reach, and where',
  }),
  mungeSocket: setting({
    flag: 'munge-socket',
    arg: '<path>',
    env: 'DS01_MUNGE_SOCKET',
    file: 'munge_socket',
    schema: z
      .string()
      .regex(/^\/[A-Za-z0-9_./-]+$/)
      .nullable(),
    expected: 'an absolute path',
    default: null,
    defaultText: "munge's default",
    help: "munged's socket, for the requests between nodes' ds01d",
  }),
};

type Settings_ = typeof SETTINGS;
export type Settings = { -readonly [K in keyof Settings_]: z.infer<Settings_[K]['schema']> } & {
  configFile: string | null;
};

export const DEFAULT_CONFIG_FILE = '/etc/ds01/ds01d.yaml';

const entries = () => Object.entries(SETTINGS) as [keyof Settings_, Setting<z.ZodType>][];

/** commander's name for `--some-flag`: someFlag. */
const optionKey = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** ds01d's command-line options for the settings, for commander: `program.option(flags, description)`. */
export function settingOptions(): { flags: string; description: string }[] {
  return entries().map(([, s]) => ({
    flags: `--${s.flag} ${s.arg}`,
    description: `${s.help} [${s.env}] (default ${s.defaultText ?? String(s.default)})`,
  }));
}

/** The settings file: every key optional, and a key no setting has is an error (a typo must not pass). */
const fileSchema = z.strictObject(
  Object.fromEntries(entries().map(([, s]) => [s.file, z.unknown().optional()])),
);

export class SettingsError extends Error {}

export function loadSettings(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const explicitFile = flags.config ?? env.DS01_CONFIG;
  const configFile = explicitFile ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null);
  let file: Record<string, unknown> = {};
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
  const out: Record<string, unknown> = { configFile };
  for (const [key, s] of entries()) {
    const fromFlag = flags[optionKey(s.flag)];
    const fromEnv = env[s.env];
    let value: unknown = s.default;
    let source: string | null = null;
    if (fromFlag !== undefined || (fromEnv !== undefined && fromEnv !== ''))
      [value, source] = [fromFlag ?? fromEnv, `--${s.flag} / ${s.env}`];
    else if (file[s.file] !== undefined) [value, source] = [file[s.file], `${configFile}: ${s.file}`];
    if (source === null) {
      out[key] = value;
      continue;
    }
    const checked = s.schema.safeParse(s.read ? s.read(value) : value);
    if (!checked.success) {
      const got = typeof value === 'string' ? value : JSON.stringify(value);
      throw new SettingsError(`${source} must be ${s.expected} (got ${got})`);
    }
    out[key] = checked.data;
  }
  if ((out.adminConnectionReserve as number) >= (out.maxConnections as number))
    throw new SettingsError(
      `admin_connection_reserve (${out.adminConnectionReserve}) must be below max_connections (${out.maxConnections})`,
    );
  return out as Settings;
}

export function databasePath(s: Settings): string {
  return join(s.stateDir, 'ds01.db');
}
