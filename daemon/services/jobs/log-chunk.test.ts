import { describe, expect, it } from 'vitest';
import { JOB_LOG_CHUNK_BYTES, readLogChunk } from './log-chunk.js';

const owner = { uid: 1000, gid: 1000, name: 'alice', home: '/home/alice' };
const at = { job: 7, node: 'n1', path: '/home/alice/workspace/p/.ds01/job-7.log', offset: 10 };
const reading = (r: { code: number; stdout: Buffer; stderr: string }) => ({ readAs: async () => r });

describe('readLogChunk', () => {
  it('returns the bytes as base64 with where to read next', async () => {
    const c = await readLogChunk(reading({ code: 0, stdout: Buffer.from('héllo'), stderr: '' }), owner, at);
    expect(c).toMatchObject({ job: 7, node: 'n1', offset: 10, next: 16, more: false, missing: false });
    expect(Buffer.from(c.data, 'base64').toString()).toBe('héllo');
  });

  it('says more when a whole chunk came back', async () => {
    const full = Buffer.alloc(JOB_LOG_CHUNK_BYTES);
    const c = await readLogChunk(reading({ code: 0, stdout: full, stderr: '' }), owner, at);
    expect(c.more).toBe(true);
  });

  it('a log not written yet is missing, not an error; any other failure names the file and the user', async () => {
    const none = await readLogChunk(
      reading({ code: 1, stdout: Buffer.alloc(0), stderr: 'dd: No such file' }),
      owner,
      at,
    );
    expect(none).toMatchObject({ missing: true, next: 10, data: '' });
    await expect(
      readLogChunk(reading({ code: 1, stdout: Buffer.alloc(0), stderr: 'Permission denied' }), owner, at),
    ).rejects.toThrow(/cannot read .*job-7.log as alice: Permission denied/);
  });
});
