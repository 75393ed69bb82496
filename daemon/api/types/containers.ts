// Wire types for /v1/containers.

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removed';

export interface ContainerSummary {
  id: string;
  name: string; // what the user typed
  dockerName: string; // <name>._.<uid>
  owner: string;
  ownerUid: number;
  image: string;
  state: ContainerState;
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  gpuSlots: { uuid: string; profile: string | null; state: 'active' | 'held' }[];
  adopted: boolean;
}
