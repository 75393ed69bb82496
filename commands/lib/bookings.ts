// Client calls for /v1/bookings.
import type {
  AvailabilityAt,
  BookingCreateRequest,
  BookingList,
  BookingView,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export const createBooking = (c: Client, body: BookingCreateRequest) =>
  c.request<BookingView>('/bookings', { body });
export const listBookings = (c: Client, all: boolean) =>
  c.request<BookingList>('/bookings', { query: { all: all ? '1' : '0' } });
export const cancelBooking = (c: Client, id: number, reason?: string) =>
  c.request<BookingView>(`/bookings/${id}`, { method: 'DELETE', ...(reason ? { query: { reason } } : {}) });
export const availabilityAt = (c: Client, at: number) =>
  c.request<AvailabilityAt>('/bookings/availability', { query: { at } });
