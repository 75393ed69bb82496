import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings, SETTINGS, type Settings, settingOptions } from './settings.js';

const dir = mkdtempSync(join(tmpdir(), 'ds01-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'ds01d.yaml');
writeFileSync(file, 'socket: /from/file.sock\nstate_dir: /from/file\nmetrics: 127.0.0.1:9401\n');

describe('loadSettings', () => {
  it('has the documented defaults', () => {
    const s = loadSettings({ config: undefined }, {});
    expect(s).toMatchObject({
      socket: '/run/ds01/ds01.sock',
      stateDir: '/var/lib/ds01',
      policy: '/etc/ds01/resource-limits.yaml',
      dockerHost: 'unix:///var/run/docker.sock',
      nvidiaSmi: 'nvidia-smi',
      metrics: null,
    });
  });

  it('flag beats environment beats file beats default', () => {
    const env = { DS01_SOCKET: '/from/env.sock', DS01_STATE_DIR: '/from/env', DOCKER_HOST: 'unix:///d.sock' };
    const s = loadSettings({ config: file, socket: '/from/flag.sock' }, env);
    expect(s.socket).toBe('/from/flag.sock');
    expect(s.stateDir).toBe('/from/env');
    expect(s.metrics).toBe('127.0.0.1:9401');
    expect(s.dockerHost).toBe('unix:///d.sock');
    expect(s.policy).toBe('/etc/ds01/resource-limits.yaml');
  });

  it('reads every variable the design names', () => {
    const s = loadSettings(
      {},
      {
        DS01_CONFIG: file,
        DS01_POLICY: '/p.yaml',
        DS01_NVIDIA_SMI: '/x/nvidia-smi',
        DS01_METRICS: '127.0.0.1:9500',
      },
    );
    expect(s).toMatchObject({ policy: '/p.yaml', nvidiaSmi: '/x/nvidia-smi', metrics: '127.0.0.1:9500' });
  });

  it('takes build limits and the hook path from the environment or the file, and checks them', () => {
    const s = loadSettings({}, { DS01_BUILD_TIMEOUT: '8', DS01_NVIDIA_HOOK_PATH: '/opt/nvidia/bin' });
    expect(s).toMatchObject({
      buildTimeoutSec: 8,
      buildMaxContextBytes: 256 * 1024 * 1024,
      nvidiaHookPath: '/opt/nvidia/bin',
    });
    expect(() => loadSettings({ buildTimeout: '-1' }, {})).toThrow(
      /DS01_BUILD_TIMEOUT must be a positive number/,
    );
  });

  it('the shipped config/ds01d.yaml is valid and matches the defaults', () => {
    const shipped = loadSettings({ config: join(import.meta.dirname, '../config/ds01d.yaml') }, {});
    expect(shipped).toMatchObject({
      ...loadSettings({}, {}),
      configFile: expect.stringContaining('ds01d.yaml'),
    });
  });

  it('refuses a metrics address off loopback, unknown file keys, and a missing explicit file', () => {
    expect(() => loadSettings({ metrics: '0.0.0.0:9401' }, {})).toThrow(/loopback/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sockett: /x\n');
    expect(() => loadSettings({ config: bad }, {})).toThrow(/bad\.yaml/);
    expect(() => loadSettings({ config: join(dir, 'nope.yaml') }, {})).toThrow(/does not exist/);
  });

  // One valid value per setting, other than its default: each must arrive by flag, variable and file key.
  const SAMPLE = {
    socket: ['/s.sock', '/s.sock'],
    socketGroup: ['ds01', 'ds01'],
    stateDir: ['/st', '/st'],
    policy: ['/p.yaml', '/p.yaml'],
    dockerHost: ['unix:///d.sock', 'unix:///d.sock'],
    userFiles: ['archive', 'archive'],
    nvidiaSmi: ['/bin/smi', '/bin/smi'],
    metrics: ['127.0.0.1:9500', '127.0.0.1:9500'],
    webSocket: ['/run/x/web.sock', '/run/x/web.sock'],
    logLevel: ['debug', 'debug'],
    nvidiaHookPath: ['/opt/hook', '/opt/hook'],
    buildTimeoutSec: ['8', 8],
    quotaScanIntervalSec: ['60', 60],
    buildMaxContextBytes: ['1024', 1024],
    buildsPerUser: ['3', 3],
    maxConnectionsPerUser: ['16', 16],
    maxConnections: ['512', 512],
    adminConnectionReserve: ['8', 8],
    procRoot: ['/p', '/p'],
    kernelLog: ['/var/log/kern.log', '/var/log/kern.log'],
    notifyQueueMax: ['100', 100],
    notifyRetryBaseMs: ['500', 500],
    notifyMaxAttempts: ['3', 3],
    backend: ['slurm', 'slurm'],
    slurmNodeName: ['gpu-node-1', 'gpu-node-1'],
    slurmBinDir: ['/opt/slurm/bin', '/opt/slurm/bin'],
    slurmDs01Command: ['/usr/bin/node /opt/ds01/ds01.js', '/usr/bin/node /opt/ds01/ds01.js'],
    slurmNodeSocket: ['/run/ds01/{node}.sock', '/run/ds01/{node}.sock'],
    slurmDaemonGraceSec: ['5', 5],
    clusterListen: ['0.0.0.0:7788', '0.0.0.0:7788'],
    clusterNodes: ['n1=10.0.0.1:7788,n2=n2:7788', 'n1=10.0.0.1:7788,n2=n2:7788'],
    mungeSocket: ['/run/munge/munge.socket.2', '/run/munge/munge.socket.2'],
  } satisfies Record<Exclude<keyof Settings, 'configFile'>, [string, unknown]>;

  it.each(Object.entries(SAMPLE))(
    '%s arrives by its flag, its variable and its file key',
    (key, [raw, value]) => {
      const s = SETTINGS[key as keyof typeof SAMPLE];
      const camel = s.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(loadSettings({ [camel]: raw }, {})[key as keyof Settings]).toEqual(value);
      expect(loadSettings({}, { [s.env]: raw })[key as keyof Settings]).toEqual(value);
      const f = join(dir, `${key}.yaml`);
      writeFileSync(f, `${s.file}: ${JSON.stringify(value)}\n`);
      expect(loadSettings({ config: f }, {})[key as keyof Settings]).toEqual(value);
    },
  );

  it('keeps a connection reserve below the connection cap', () => {
    expect(() => loadSettings({ maxConnections: '10', adminConnectionReserve: '10' }, {})).toThrow(
      /admin_connection_reserve \(10\) must be below max_connections \(10\)/,
    );
  });

  it('says which source holds a bad value, and what a good one looks like', () => {
    expect(() => loadSettings({}, { DS01_LOG_LEVEL: 'loud' })).toThrow(
      '--log-level / DS01_LOG_LEVEL must be debug, info, warn or error (got loud)',
    );
    const f = join(dir, 'typed.yaml');
    writeFileSync(f, 'build_timeout: "ten"\n');
    expect(() => loadSettings({ config: f }, {})).toThrow(
      /typed\.yaml: build_timeout must be a positive number/,
    );
    expect(loadSettings({ metrics: 'off' }, {}).metrics).toBeNull();
    expect(loadSettings({ webSocket: 'off' }, {}).webSocket).toBeNull();
  });

  it('every setting is an option of ds01d naming its variable and default, and a key of the shipped file', () => {
    const shipped = readFileSync(join(import.meta.dirname, '../config/ds01d.yaml'), 'utf8');
    const options = settingOptions();
    for (const s of Object.values(SETTINGS)) {
      const o = options.find((x) => x.flags.startsWith(`--${s.flag} `));
      expect(o?.description).toContain(`[${s.env}]`);
      expect(o?.description).toMatch(/\(default .+\)$/);
      expect(shipped).toMatch(new RegExp(`^${s.file}: `, 'm'));
      expect(shipped).toContain(`--${s.flag}`);
    }
  });
});
