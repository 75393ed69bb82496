// The wire contract: the only daemon path that commands/ may import.
export * from './access.js';
export * from './containers.js';
export * from './errors.js';
export * from './events.js';
export * from './gpus.js';
export * from './images.js';
export * from './system.js';

export const API_PREFIX = '/v1';
export * from './admin.js';
export * from './bookings.js';
export * from './cluster.js';
export * from './dashboard.js';
export * from './doctor.js';
export * from './jobs.js';
export * from './lifecycle.js';
export * from './limits.js';
export * from './mig.js';
export * from './notifications.js';
export * from './quota.js';
export * from './shell-frames.js';
export * from './usage.js';
export * from './web.js';
