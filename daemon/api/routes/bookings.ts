import { z } from 'zod';
import { badRequest } from '../../errors.js';
import type { BookingService } from '../../services/bookings.js';
import { type Route, route } from '../router.js';
import { bookingAvailabilityQuery, bookingCreateRequest, bookingListQuery } from '../types/bookings.js';

const cancelQuery = z.strictObject({ reason: z.string().max(500).optional() });

function bookingId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id < 1)
    throw badRequest(`"${raw}" is not a booking id`, 'use the ID column of `ds01 book list`');
  return id;
}

/** What the booking routes need. */
export type BookingBackend = Pick<BookingService, 'create' | 'list' | 'cancel' | 'availabilityAt'>;

export function bookingRoutes(bookings: BookingBackend): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/bookings',
      handler: ({ caller, query }) => {
        const q = bookingListQuery.parse(Object.fromEntries(query));
        return { json: bookings.list(caller, q.all === '1' || q.all === 'true') };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/bookings/availability',
      handler: ({ caller, query }) => {
        const q = bookingAvailabilityQuery.parse(Object.fromEntries(query));
        return { json: bookings.availabilityAt(caller, q.at) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/bookings',
      body: bookingCreateRequest,
      handler: ({ caller, body }) => ({ status: 201, json: bookings.create(caller, body) }),
    }),
    route({
      method: 'DELETE',
      path: '/v1/bookings/:id',
      handler: ({ caller, params, query }) => {
        const q = cancelQuery.parse(Object.fromEntries(query));
        return { json: bookings.cancel(caller, bookingId(params.id as string), q.reason) };
      },
    }),
  ];
}
