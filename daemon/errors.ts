import type { ErrorCode } from './api/types/errors.js';

/** A domain error with a stable code; the API maps the code to an HTTP status in one place. */
export class Ds01Error extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'Ds01Error';
  }
}

export const notFound = (what: string, hint?: string) =>
  new Ds01Error('NOT_FOUND', `${what} not found`, hint);
export const forbidden = (message: string, hint?: string) => new Ds01Error('FORBIDDEN', message, hint);
export const badRequest = (message: string, hint?: string, details?: unknown) =>
  new Ds01Error('BAD_REQUEST', message, hint, details);
