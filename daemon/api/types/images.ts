// Wire types for /v1/images.

export interface ImageContainerUse {
  id: string;
  name: string;
  state: string;
  ownerUid: number | null;
}

export interface ImageSummary {
  /** `ds01-<uid>/<name>:<tag>` */
  ref: string;
  name: string;
  tag: string;
  owner: string;
  ownerUid: number;
  id: string;
  sizeBytes: number;
  createdAt: string;
  /** Containers (running or not) made from this image. */
  containers: ImageContainerUse[];
}

/** A base image offered by image-create (the policy's `images` catalogue). */
export interface BaseImage {
  name: string;
  image: string;
  description: string;
  /** The image is on this server now (a build or deploy from it works offline). */
  present: boolean;
}

/** POST /v1/images/build streams these, one per line. The last one is `done` or `error`. */
export type BuildEvent =
  | { type: 'start'; ref: string; contextBytes?: number }
  | { type: 'step'; step: number; total: number; instruction: string }
  | { type: 'output'; text: string }
  | { type: 'done'; ref: string; id: string; durationMs: number }
  | {
      type: 'error';
      code: string;
      message: string;
      hint?: string;
      /** The step that failed, and the last lines it printed. */
      step?: { step: number; total: number; instruction: string };
      output?: string[];
    };

export interface ImageDeleteResult {
  ref: string;
  deleted: boolean;
  /** With force: containers that still run the image but can no longer be recreated from it. */
  broken: ImageContainerUse[];
}
