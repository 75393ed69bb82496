export { COMPUTE_APPS_FIELDS, type ComputeAppRow, parseComputeApps } from './compute-apps.js';
export { isMissingValue, NvidiaSmiParseError } from './errors.js';
export { type ListedGpu, type ListedMigDevice, parseListGpus } from './list-gpus.js';
export { type GpuInstanceRow, parseMigLgi } from './mig-lgi.js';
export { giProfileOf, type MigProfile, parseMigProfile } from './profile.js';
export { parseQueryGpu, QUERY_GPU_FIELDS, type QueryGpuRow } from './query-gpu.js';
export {
  parseQueryXml,
  type XmlGpu,
  type XmlMigDevice,
  type XmlProcess,
  type XmlQuery,
} from './query-xml.js';
export { parseVersion, type SmiVersions } from './version.js';
