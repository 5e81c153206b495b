/**
 * Typed refusals from the log and the stream. Each carries a stable `code`
 * the web app can map to an HTTP status (DISK_FULL and OVERLOADED are
 * back-pressure: retry after `retryAfterMs`), and a message saying what and where.
 */

export type LogErrorCode =
  | 'DISK_FULL'
  | 'WRITE_FAILED'
  | 'OVERLOADED'
  | 'CLOSED'
  | 'LOCKED'
  | 'CORRUPT';

export class LogError extends Error {
  readonly code: LogErrorCode;
  /** Set for back-pressure refusals: when a retry is worth trying. */
  readonly retryAfterMs: number | undefined;
  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LogError';
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The disk (or quota) is full: the append was refused and nothing was half-written. */
export class LogFullError extends LogError {
  constructor(message: string, cause?: unknown, retryAfterMs = 1000) {
    super('DISK_FULL', message, { cause, retryAfterMs });
    this.name = 'LogFullError';
  }
}

/** Any other write or fsync failure (EIO, EBADF...): the append was refused and rolled back. */
export class LogWriteError extends LogError {
  constructor(message: string, cause?: unknown) {
    super('WRITE_FAILED', message, { cause });
    this.name = 'LogWriteError';
  }
}

/** Too much ingest is waiting for the disk: back off and retry. */
export class OverloadedError extends LogError {
  constructor(message: string, retryAfterMs: number) {
    super('OVERLOADED', message, { retryAfterMs });
    this.name = 'OverloadedError';
  }
}

export class LogClosedError extends LogError {
  constructor(what = 'log') {
    super('CLOSED', `the ${what} is closed`);
    this.name = 'LogClosedError';
  }
}

/** Another live process (or this one) already has the data directory open. */
export class LogLockedError extends LogError {
  constructor(message: string) {
    super('LOCKED', message);
    this.name = 'LogLockedError';
  }
}

/** A persisted file (checkpoints, a segment) cannot be read back as written. */
export class LogCorruptError extends LogError {
  constructor(message: string) {
    super('CORRUPT', message);
    this.name = 'LogCorruptError';
  }
}

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Map a failed write/fsync/open to the typed error callers see. */
export function writeFailure(err: unknown, what: string): LogError {
  if (err instanceof LogError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  if (code && FULL_CODES.has(code)) {
    return new LogFullError(`disk full while ${what}: ${detail}; the append was refused, nothing already written was changed`, err);
  }
  return new LogWriteError(`write failed while ${what}: ${detail}; the append was refused and rolled back`, err);
}
