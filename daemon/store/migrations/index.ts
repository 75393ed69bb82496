// Numbered migrations, tracked by PRAGMA user_version. Append only: never edit a shipped migration.
import { m001Initial } from './001-initial.js';
import { m002Lifecycle } from './002-lifecycle.js';
import { m003ContainerClaims } from './003-container-claims.js';
import { m004Jobs } from './004-jobs.js';
import { m005UsageRollups } from './005-usage-rollups.js';
import { m006Notifications } from './006-notifications.js';
import { m007MigChanges } from './007-mig-changes.js';
import { m008Unmanaged } from './008-unmanaged.js';
import { m009Bookings } from './009-bookings.js';
import { m010SlurmJobs } from './010-slurm-jobs.js';
import { m011GpuHealth } from './011-gpu-health.js';
import { m012StorageUsage } from './012-storage-usage.js';
import { m013EventsByContainer } from './013-events-by-container.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  m001Initial,
  m002Lifecycle,
  m003ContainerClaims,
  m004Jobs,
  m005UsageRollups,
  m006Notifications,
  m007MigChanges,
  m008Unmanaged,
  m009Bookings,
  m010SlurmJobs,
  m011GpuHealth,
  m012StorageUsage,
  m013EventsByContainer,
];

export const LATEST_VERSION = MIGRATIONS.length;
