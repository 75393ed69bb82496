// Pure text edits that give the container's user a name and a home on ANY image (many images know
// only root): replace whatever entry has the same name or id, then append ours.

export interface PasswdUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** /etc/passwd with `u` as the only entry of its name and uid. */
export function withPasswdUser(text: string, u: PasswdUser): string {
  const kept = lines(text).filter((l) => {
    const f = l.split(':');
    return f[0] !== u.name && f[2] !== String(u.uid);
  });
  kept.push(`${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.home}:${u.shell}`);
  return `${kept.join('\n')}\n`;
}

/** /etc/group with the user's primary group (named after the user) as the only entry of its name and gid. */
export function withGroup(text: string, g: { name: string; gid: number; members?: string[] }): string {
  const kept = lines(text).filter((l) => {
    const f = l.split(':');
    return f[0] !== g.name && f[2] !== String(g.gid);
  });
  kept.push(`${g.name}:x:${g.gid}:${(g.members ?? []).join(',')}`);
  return `${kept.join('\n')}\n`;
}
