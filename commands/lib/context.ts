import { Client } from './client.js';
import { type Io, processIo } from './output.js';

/** What every command's run() gets: a client for the daemon and the terminal. */
export interface Ctx {
  client: Client;
  io: Io;
}

export function defaultCtx(): Ctx {
  return { client: new Client(), io: processIo() };
}
