// The ds01.* labels. Only the daemon sets them (the spec builder drops any a client sends); they let a
// restarted daemon recognise its containers and adopt ones created behind its back.
export const LABELS = {
  ownerUid: 'ds01.owner.uid',
  ownerName: 'ds01.owner.name',
  project: 'ds01.project',
  gpuSlots: 'ds01.gpu.slots',
  createdBy: 'ds01.created-by',
  managed: 'ds01.managed',
  /** A batch job's container: the job id (issue 16). */
  job: 'ds01.job',
  /**
   * Made by a deploy, which starts it at once: still `created` when a new ds01d starts means the deploy
   * died with the old one, so it is removed (a `container-create` one waits for its owner's start).
   */
  deploy: 'ds01.deploy',
} as const;

export const CONTAINER_NAME_SEPARATOR = '._.';

export function dockerName(project: string, uid: number): string {
  return `${project}${CONTAINER_NAME_SEPARATOR}${uid}`;
}

export interface Ownership {
  uid: number;
  name: string;
  project: string;
  slots: string[];
}

/**
 * Ownership from labels, or null when the container is not a ds01 one. The Docker name must be
 * `<project>._.<uid>` for the labelled uid: a user's built image carries ds01.owner.* labels, so build
 * steps' containers (`epic_allen`) and any container run from it carry them too, and are not ds01's.
 */
export function ownershipFromLabels(
  labels: Record<string, string> | undefined,
  dockerName: string,
): Ownership | null {
  if (!labels) return null;
  const uidText = labels[LABELS.ownerUid];
  if (uidText === undefined || !/^\d+$/.test(uidText)) return null;
  const uid = Number(uidText);
  const name = dockerName.replace(/^\//, '');
  const sep = name.lastIndexOf(CONTAINER_NAME_SEPARATOR);
  if (sep <= 0 || name.slice(sep + CONTAINER_NAME_SEPARATOR.length) !== uidText) return null;
  const nameFromDocker = name.slice(0, sep);
  return {
    uid,
    name: labels[LABELS.ownerName] ?? String(uid),
    project: labels[LABELS.project] ?? (nameFromDocker || 'unknown'),
    slots: (labels[LABELS.gpuSlots] ?? '').split(',').filter(Boolean),
  };
}
