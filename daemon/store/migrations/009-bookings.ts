import type { Migration } from './index.js';

// Advance bookings (issue 23): a window [from_ms, to_ms) on concrete GPU slots. booking_slots repeats the
// window so a trigger can refuse two live bookings overlapping on one slot: the database itself forbids a
// double booking, as the partial unique index on allocations forbids a double allocation.
export const m009Bookings: Migration = {
  version: 9,
  name: 'bookings',
  sql: `
CREATE TABLE bookings (
  id           INTEGER PRIMARY KEY,
  owner_uid    INTEGER NOT NULL,
  owner_name   TEXT NOT NULL,
  from_ms      INTEGER NOT NULL,
  to_ms        INTEGER NOT NULL CHECK (to_ms > from_ms),
  profile      TEXT,
  maintenance  INTEGER NOT NULL DEFAULT 0,
  note         TEXT,
  -- The booker's no-show grace when they booked: unused by from_ms + this, the booking is released.
  grace_ms     INTEGER NOT NULL DEFAULT 0,
  state        TEXT NOT NULL DEFAULT 'booked' CHECK (state IN ('booked', 'used', 'cancelled', 'no_show')),
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  used_at      INTEGER,
  ended_at     INTEGER,
  end_reason   TEXT
) STRICT;
CREATE INDEX bookings_window ON bookings(to_ms, from_ms);
CREATE INDEX bookings_owner ON bookings(owner_uid, from_ms);

CREATE TABLE booking_slots (
  booking_id   INTEGER NOT NULL REFERENCES bookings(id),
  slot_uuid    TEXT NOT NULL,
  from_ms      INTEGER NOT NULL,
  to_ms        INTEGER NOT NULL,
  live         INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (booking_id, slot_uuid)
) STRICT;
CREATE INDEX booking_slots_slot ON booking_slots(slot_uuid, live, from_ms);

CREATE TRIGGER booking_slots_no_overlap BEFORE INSERT ON booking_slots
WHEN NEW.live = 1 AND EXISTS (
  SELECT 1 FROM booking_slots o
  WHERE o.slot_uuid = NEW.slot_uuid AND o.live = 1 AND o.from_ms < NEW.to_ms AND NEW.from_ms < o.to_ms
)
BEGIN
  SELECT RAISE(ABORT, 'booking overlaps another live booking on the same slot');
END;
`,
};
