/**
 * HTTP ingest (`POST /api/ingest`): which body format a Content-Type means,
 * the per-user bearer token, the body read under a size limit, and the
 * stream's refusals as HTTP answers (503 / 429 with Retry-After).
 */
import { ApiError, json } from './api';
import type { IngestFormat, IngestRefusal } from './engine';
import { userForToken } from './tokens';

/** Bodies above this are refused with 413 (before they are read, when Content-Length says so). */
export const INGEST_MAX_BYTES = 16 * 1024 * 1024;
/** Rejections listed with their reasons; the rest are counted in `errorsOmitted`. */
export const INGEST_MAX_ERRORS = 100;

const FORMATS: Record<string, IngestFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/json': 'ndjson',
  'text/plain': 'ndjson',
  'application/x-protobuf': 'hindsight',
  'application/octet-stream': 'hindsight',
};
export const INGEST_CONTENT_TYPES = Object.keys(FORMATS);

/** The media type without parameters (`; charset=utf-8`), lower case; '' when absent. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export function ingestFormat(contentType: string | null): IngestFormat {
  const type = mediaType(contentType);
  const format = FORMATS[type];
  if (!format) {
    const got = type ? `Content-Type ${type}` : 'no Content-Type';
    throw new ApiError(415, `Cannot ingest ${got}; send one of: ${INGEST_CONTENT_TYPES.join(', ')}`, {
      accepted: INGEST_CONTENT_TYPES,
    });
  }
  return format;
}

/** The token's owner; 401 (with WWW-Authenticate) without a token, or for an unknown or revoked one. */
export async function userFromBearer(req: Request): Promise<{ id: string; namespace: string }> {
  const header = req.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized('Send an API token as "Authorization: Bearer <token>"; create one under Settings');
  const user = await userForToken(match[1]);
  if (!user) throw unauthorized('The API token is unknown or has been revoked');
  return user;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, message);
}

export function unauthorizedResponse(err: ApiError): Response {
  return json({ error: err.message }, { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="foresight"' } });
}

/** The whole body, refused with 413 as soon as it passes `maxBytes` (Content-Length is not trusted alone). */
export async function readBodyLimited(req: Request, maxBytes = INGEST_MAX_BYTES): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(413, `The body is larger than the ${formatBytes(maxBytes)} limit; split it into several requests`, {
      maxBytes,
    });
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * `application/json` may carry one message spread over several lines: when
 * the whole body is one JSON object, its line breaks (whitespace outside
 * strings, since JSON strings cannot hold raw ones) are blanked so it reads as
 * one NDJSON line. Anything else is left for the NDJSON parser, line by line.
 */
export function singleJsonObjectAsLine(body: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return body;
  }
  if (!/[\r\n]./.test(text.trim())) return body;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return body;
  } catch {
    return body;
  }
  return Buffer.from(text.trim().replace(/[\r\n]/g, ' '), 'utf8');
}

/** DISK_FULL and UNAVAILABLE are 503, OVERLOADED 429; all with Retry-After in whole seconds. */
export function refusalResponse(refusal: IngestRefusal): Response {
  const status = refusal.code === 'OVERLOADED' ? 429 : 503;
  const why =
    refusal.code === 'DISK_FULL'
      ? 'The stream is out of disk space'
      : refusal.code === 'OVERLOADED'
        ? 'The stream is busy with other ingest'
        : 'The stream cannot take messages right now';
  const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  return json(
    {
      error: `${why}; nothing from this request was appended, retry after ${seconds} s (${refusal.message})`,
      code: refusal.code,
      retryAfterMs: refusal.retryAfterMs,
    },
    { status, headers: { 'Retry-After': String(seconds) } },
  );
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
