// The OpenSSH client configuration for containers (`ds01 ssh-config`), pure: one `Host NAME.ds01` block
// per container, between markers so `--write` can replace its own blocks and keep everything else.

export interface SshBlockInput {
  name: string;
  user: string;
  /** The server to hop through (`ssh SERVER ds01 ssh-proxy NAME`); null: ds01 runs where ssh does. */
  server: string | null;
  /** The ds01 program on the server. */
  ds01: string;
  fingerprint: string;
}

const begin = (name: string) => `# >>> ds01 ${name}.ds01 >>>`;
const end = (name: string) => `# <<< ds01 ${name}.ds01 <<<`;

/** Quote a word for the shell that runs a ProxyCommand (only when needed). */
function sh(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function sshBlock(b: SshBlockInput): string {
  const proxy = b.server
    ? `ssh -T -o ClearAllForwardings=yes ${sh(b.server)} ${sh(b.ds01)} ssh-proxy ${sh(b.name)}`
    : `${sh(b.ds01)} ssh-proxy ${sh(b.name)}`;
  return [
    begin(b.name),
    `# container ${b.name} of ${b.user}${b.server ? ` on ${b.server}` : ''}; host key ${b.fingerprint}`,
    `Host ${b.name}.ds01`,
    `  User ${b.user}`,
    `  ProxyCommand ${proxy}`,
    // The key is the container's own and stays the same across redeploys; the hop to the server is
    // already authenticated, so the first sight of it is trusted.
    `  HostKeyAlias ${b.name}.ds01`,
    '  StrictHostKeyChecking accept-new',
    '  RemoteCommand none',
    '  ForwardAgent no',
    '  ForwardX11 no',
    '  ServerAliveInterval 30',
    end(b.name),
  ].join('\n');
}

/** `existing` with the blocks for these names replaced (or appended), everything else kept. */
export function mergeSshConfig(existing: string, blocks: { name: string; text: string }[]): string {
  let out = existing;
  const appended: string[] = [];
  for (const b of blocks) {
    const from = out.indexOf(begin(b.name));
    const to = from < 0 ? -1 : out.indexOf(end(b.name), from);
    if (from >= 0 && to >= 0) out = out.slice(0, from) + b.text + out.slice(to + end(b.name).length);
    else appended.push(b.text);
  }
  if (!appended.length) return out;
  const sep = out.length === 0 ? '' : out.endsWith('\n\n') ? '' : out.endsWith('\n') ? '\n' : '\n\n';
  return `${out}${sep}${appended.join('\n\n')}\n`;
}

/** known_hosts lines for the aliases (for users who pre-seed their known_hosts). */
export function knownHostsLine(name: string, publicKey: string): string {
  return `${name}.ds01 ${publicKey}`;
}
