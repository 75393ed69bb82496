// Server-Sent Events (what a browser's EventSource reads) for routes that reply `{ sse }`.
import type { ServerResponse } from 'node:http';
import type { SseMessage } from './router.js';

/** One frame: an event name without line breaks, and its data as one JSON line. */
export function sseFrame(m: SseMessage): string {
  // JSON has no raw line break, so one data line carries any value; a name gets none either.
  return `event: ${m.event.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify(m.data ?? null)}\n\n`;
}

/** Writes each message as it comes, honouring back-pressure, until the stream ends or the client goes. */
export async function sendSse(res: ServerResponse, messages: AsyncIterable<SseMessage>, signal: AbortSignal) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  for await (const m of messages) {
    if (signal.aborted) break;
    if (!res.write(sseFrame(m))) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}
