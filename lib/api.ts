/**
 * Route handlers go through `apiRoute`: it answers 401 without a session,
 * turns validation failures into 400 with field paths, ApiError into its
 * status, and anything unexpected into a bare 500, never a stack trace.
 */
import { NextResponse } from 'next/server';
import { z, ZodError } from 'zod';
import { userFromRequest, type CurrentUser } from './session';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Issue {
  /** Where in the request body: `config.ticker_interval`, `name`; empty for the body itself. */
  path: string;
  message: string;
}

export function issuesOf(error: ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

export function validationError(error: ZodError): ApiError {
  const issues = issuesOf(error);
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return new ApiError(400, `Invalid request: ${summary}`, { issues });
}

export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new ApiError(400, 'The request body must be JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

export function json(body: unknown, init?: number | ResponseInit): NextResponse {
  return NextResponse.json(body, typeof init === 'number' ? { status: init } : init);
}

export interface RouteContext<P> {
  req: Request;
  user: CurrentUser;
  params: P;
}

type Handler<P> = (ctx: RouteContext<P>) => Promise<Response>;

/** Wraps a route handler: session required, errors mapped to JSON `{ error }`. */
export function apiRoute<P extends Record<string, string | string[]> = Record<string, never>>(handler: Handler<P>) {
  return async (req: Request, context?: { params?: Promise<P> }): Promise<Response> => {
    try {
      const user = await userFromRequest(req);
      if (!user) return json({ error: 'Sign in to use this API' }, 401);
      const params = ((await context?.params) ?? {}) as P;
      return await handler({ req, user, params });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) return json({ error: err.message, ...err.extra }, err.status);
  if (err instanceof ZodError) {
    const apiError = validationError(err);
    return json({ error: apiError.message, ...apiError.extra }, 400);
  }
  console.error('[api] unexpected error:', err);
  return json({ error: 'Something went wrong on the server; it has been logged' }, 500);
}

export function parseParams<S extends z.ZodType>(params: unknown, schema: S): z.infer<S> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    throw new ApiError(404, 'Not found', { issues: issuesOf(parsed.error) });
  }
  return parsed.data;
}
