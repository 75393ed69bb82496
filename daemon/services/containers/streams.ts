// Reading a running container: its logs (once, or followed) and its stats (once, or watched), with the
// GPU figures from the last inventory. Ownership and Docker are checked before a stream is returned, so
// refusals are real errors; a stream ends quietly when the client goes away.
import type { ContainerStats, LogChunk } from '../../api/types/containers.js';
import { StreamDemuxer } from '../../docker/demux.js';
import { type DockerStream, dockerError } from '../../docker/ops.js';
import { computeStats, type DockerStatsSample } from '../../docker/stats.js';
import type { Caller } from '../../identity/caller.js';
import type { ContainerRow } from '../../store/containers.js';
import type { ContainerContext } from './context.js';

/** Docker's multiplexed log stream → text chunks. */
export async function* demux(source: AsyncIterable<Buffer>): AsyncGenerator<LogChunk> {
  const d = new StreamDemuxer();
  for await (const chunk of source) {
    for (const c of d.push(chunk)) yield { stream: c.stream, text: c.data.toString('utf8') };
  }
}

export class ContainerStreams {
  constructor(private readonly c: ContainerContext) {}

  private get d() {
    return this.c.d;
  }

  async logs(
    caller: Caller,
    ref: string,
    opts: { tail?: number; follow?: boolean },
    signal: AbortSignal,
  ): Promise<AsyncIterable<LogChunk>> {
    const row = this.d.queries.resolve(caller, ref);
    let source: AsyncIterable<Buffer>;
    try {
      if (opts.follow) {
        const stream = await this.d.ops.logs(row.id, { tail: opts.tail, follow: true });
        signal.addEventListener('abort', () => stream.destroy(), { once: true });
        source = stream as AsyncIterable<Buffer>;
      } else {
        const buf = await this.d.ops.logs(row.id, { tail: opts.tail, follow: false });
        source = (async function* () {
          yield buf;
        })();
      }
    } catch (err) {
      throw dockerError('cannot read the logs', err);
    }
    return (async function* () {
      try {
        yield* demux(source);
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    })();
  }

  async stats(caller: Caller, ref: string): Promise<ContainerStats> {
    const row = this.d.queries.resolve(caller, ref);
    try {
      return this.statsOf(row, await this.d.ops.stats(row.id));
    } catch (err) {
      throw dockerError('cannot read the stats', err);
    }
  }

  async watchStats(caller: Caller, ref: string, signal: AbortSignal): Promise<AsyncIterable<ContainerStats>> {
    const row = this.d.queries.resolve(caller, ref);
    let stream: DockerStream;
    try {
      stream = await this.d.ops.statsStream(row.id);
    } catch (err) {
      throw dockerError('cannot read the stats', err);
    }
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    return this.statsStream(row, stream, signal);
  }

  private async *statsStream(
    row: ContainerRow,
    stream: NodeJS.ReadableStream,
    signal: AbortSignal,
  ): AsyncGenerator<ContainerStats> {
    let buf = '';
    try {
      for await (const chunk of stream) {
        buf += (chunk as Buffer).toString('utf8');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield this.statsOf(this.d.store.containers.get(row.id) ?? row, JSON.parse(line));
          nl = buf.indexOf('\n');
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  private statsOf(row: ContainerRow, sample: DockerStatsSample): ContainerStats {
    const inv = this.d.inventory();
    const gpus = this.d.leases.slotsOf(row.id).map((s) => {
      const slot = inv?.slots.find((x) => x.uuid === s.uuid);
      const gpu = inv?.gpus.find((g) => g.uuid === s.parent_uuid);
      const whole = s.kind === 'full';
      return {
        uuid: s.uuid,
        profile: s.profile,
        utilizationPct: whole ? (gpu?.utilizationPct ?? null) : null,
        memoryUsedMiB: whole ? (gpu?.memoryUsedMiB ?? null) : null,
        memoryTotalMiB: slot?.memoryMiB ?? s.memory_mib,
      };
    });
    return {
      id: row.id,
      name: row.project,
      state: row.state as ContainerStats['state'],
      at: new Date(this.d.clock.now()).toISOString(),
      ...computeStats(sample),
      gpus,
    };
  }
}
