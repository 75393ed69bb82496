// THE error contract between ds01d and its clients: stable codes, one HTTP status each, one exit code
// each for the CLI. Change a code only with a version bump of the API.

export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, exit: 2 },
  VALIDATION_FAILED: { status: 400, exit: 2 },
  UNAUTHENTICATED: { status: 401, exit: 3 },
  FORBIDDEN: { status: 403, exit: 3 },
  QUOTA_EXCEEDED: { status: 403, exit: 3 },
  NOT_FOUND: { status: 404, exit: 4 },
  METHOD_NOT_ALLOWED: { status: 405, exit: 2 },
  REQUEST_TIMEOUT: { status: 408, exit: 1 },
  CONFLICT: { status: 409, exit: 1 },
  NO_CAPACITY: { status: 409, exit: 3 },
  SLOT_MISSING: { status: 409, exit: 1 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2 },
  INVALID_POLICY: { status: 422, exit: 1 },
  TOO_MANY_CONNECTIONS: { status: 429, exit: 1 },
  INTERNAL: { status: 500, exit: 1 },
  NOT_IMPLEMENTED: { status: 501, exit: 1 },
  DOCKER_UNAVAILABLE: { status: 502, exit: 1 },
  UNAVAILABLE: { status: 503, exit: 1 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Body of every error response. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    hint?: string;
    details?: unknown;
  };
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(ERROR_CODES, x);
}

export function statusFor(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function exitCodeFor(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}
