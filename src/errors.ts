/**
 * The error catalogue. Every error the product raises on purpose comes from here,
 * with a stable machine-readable code, the HTTP status the API answers with, and a
 * message a user can act on. Code never decides behaviour by matching message text:
 * it matches `code`.
 */

export const ErrorCodes = {
  CRON_INVALID: { status: 400, title: 'Invalid cron expression' },
  TIMEZONE_INVALID: { status: 400, title: 'Unknown time zone' },
  VALIDATION_FAILED: { status: 400, title: 'Invalid request' },
  TARGET_FORBIDDEN: { status: 400, title: 'Target not allowed' },
  UNAUTHORIZED: { status: 401, title: 'Missing or invalid API key' },
  ORIGIN_NOT_ALLOWED: { status: 403, title: 'Cross-origin request refused' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  HOST_NOT_ALLOWED: { status: 421, title: 'Host not served' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  STORE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
  ENGINE_FAILING: { status: 503, title: 'Engine failing' },
  ENGINE_NOT_RUNNING: { status: 503, title: 'Engine not running' },
  SERVER_BUSY: { status: 503, title: 'Server busy' },
  DATA_DIR_LOCKED: { status: 503, title: 'Data directory in use' },
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class JobSchedulerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobSchedulerError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.details = Object.freeze({ ...details });
  }

  get title(): string {
    return ErrorCodes[this.code].title;
  }
}

export function isJobSchedulerError(error: unknown, code?: ErrorCode): error is JobSchedulerError {
  return error instanceof JobSchedulerError && (code === undefined || error.code === code);
}
