// Wire types for /v1/bookings: advance booking of GPU slots for a time window (issue 23). Times on the
// wire are epoch ms in requests and ISO strings in answers; the CLI parses natural times and shows local.
import { z } from 'zod';

const MIG_PROFILE = /^(\d+c\.)?\d+g\.\d+gb(\+me)?$/;
const YEAR_MS = 366 * 24 * 3_600_000;

/** POST /v1/bookings. Strict: an owner, a state or slots chosen by a user are refused, not dropped. */
export const bookingCreateRequest = z
  .strictObject({
    /** GPU slots of any MIG profile (default 1). Exclusive with mig. */
    gpus: z.number().int().min(1).max(16).optional(),
    /** One slot of this MIG profile. */
    mig: z.string().regex(MIG_PROFILE, 'a MIG profile looks like 1g.10gb or 3g.40gb').optional(),
    /** Whole GPUs only. */
    wholeGpu: z.boolean().optional(),
    /** Admins: exactly these slots or GPUs (any form `gpu list` shows: index, 0.1, UUID). */
    slots: z.array(z.string().min(1).max(100)).min(1).max(16).optional(),
    /** Start, epoch ms. */
    from: z.number().int().positive(),
    /** Length in ms (at least a second, at most a year; the policy's max_length binds users). */
    lengthMs: z.number().int().min(1_000).max(YEAR_MS),
    /** Shown to the booker and admins only. Printable text. */
    note: z
      .string()
      .max(200)
      .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'a note is printable text on one line')
      .optional(),
    /** Admins: the slots are nobody's in the window (running containers on them are stopped at its start). */
    maintenance: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    const shapes = [v.gpus !== undefined, v.mig !== undefined, v.slots !== undefined].filter(Boolean).length;
    if (shapes > 1)
      ctx.addIssue({ code: 'custom', message: 'give one of gpus, mig or slots', path: ['mig'] });
  });
export type BookingCreateRequest = z.infer<typeof bookingCreateRequest>;

/** GET /v1/bookings?all=1 and /v1/bookings/availability?at=MS. */
export const bookingListQuery = z.strictObject({ all: z.enum(['0', '1', 'true', 'false']).optional() });
export const bookingAvailabilityQuery = z.strictObject({ at: z.coerce.number().int().positive() });

/** booked: waiting for its window or its booker; used: the booker deployed on it; the rest have ended. */
export type BookingState = 'booked' | 'used' | 'cancelled' | 'no_show';

export interface BookingView {
  id: number;
  /** The booker's name; null when it is someone else's and the asker is not an admin. */
  owner: string | null;
  mine: boolean;
  maintenance: boolean;
  from: string;
  to: string;
  /** Where the window stands now. */
  phase: 'upcoming' | 'active' | 'ended';
  state: BookingState;
  /** What was booked: a MIG profile, `full`, or `mixed`. */
  profile: string | null;
  slots: { uuid: string; gpuIndex: number | null; profile: string | null }[];
  /** GPU-equivalents booked (the sum of its slots' weights). */
  gpuEquivalents: number;
  note: string | null;
  createdAt: string;
  usedAt: string | null;
  /** Why it ended early (cancelled, no-show), in words. */
  endReason: string | null;
  /** An unused booking is released at this time (its start plus the no-show grace). */
  releaseIfUnusedAt: string | null;
}

export interface BookingList {
  bookings: BookingView[];
  /** The asker's limits (null for admins: unlimited). */
  policy: {
    maxHoursPerWeek: number | null;
    maxAheadMs: number | null;
    maxLengthMs: number | null;
    profiles: string[] | null;
    noShowGraceMs: number;
  } | null;
}

/** `gpu avail --at TIME`: per kind of slot, what bookings and today's holders leave free at that time. */
export interface AvailabilityAt {
  at: string;
  profiles: {
    profile: string;
    total: number;
    /** No booking covers it at `at` (drained and missing slots excluded). */
    bookable: number;
    bookedByYou: number;
    bookedByOthers: number;
    /** Of the bookable ones: held by a container now (it may or may not still run at `at`). */
    inUseNow: number;
  }[];
}
