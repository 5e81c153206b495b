import { ApiError, errorResponse, json } from '@/lib/api';
import {
  ingestFormat,
  INGEST_MAX_ERRORS,
  mediaType,
  readBodyLimited,
  refusalResponse,
  singleJsonObjectAsLine,
  unauthorizedResponse,
  userFromBearer,
} from '@/lib/ingest';
import { requireEngine } from '@/lib/plugins';

/**
 * Ingest over HTTP: NDJSON (Heka JSON) or Hindsight framed protobuf, chosen
 * by Content-Type, into the live stream. Authenticated by a personal API
 * token (no session). Valid messages are appended as one batch, all or none;
 * each bad line or record is reported with its reason.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    await userFromBearer(req);
    const contentType = req.headers.get('content-type');
    const format = ingestFormat(contentType);
    let body = await readBodyLimited(req);
    if (body.length === 0) throw new ApiError(400, 'The request body is empty; send messages, one JSON object per line');
    if (mediaType(contentType) === 'application/json') body = singleJsonObjectAsLine(body);
    const result = await requireEngine().ingest({ format, body, maxErrors: INGEST_MAX_ERRORS });
    if (!result.ok) return refusalResponse(result.refusal);
    const { accepted, rejected, errors, errorsOmitted } = result;
    return json({ accepted, rejected, errors, errorsOmitted });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return unauthorizedResponse(err);
    return errorResponse(err);
  }
}
