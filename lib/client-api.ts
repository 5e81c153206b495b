/** Browser-side calls to the portal's API, with its `{ error, issues }` answers kept intact. */
export interface ApiIssue {
  path: string;
  message: string;
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; error: string; issues: ApiIssue[]; body: Record<string, unknown> };

export async function callApi<T>(url: string, options: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: options.body === undefined ? undefined : { 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    return { ok: false, status: 0, error: 'The server could not be reached. Is it running?', issues: [], body: {} };
  }
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (response.ok) return { ok: true, status: response.status, data: body as T };
  if (response.status === 401 && typeof window !== 'undefined') window.location.assign('/login');
  return {
    ok: false,
    status: response.status,
    error: typeof body?.error === 'string' ? body.error : `The server answered ${response.status}`,
    issues: Array.isArray(body?.issues) ? (body.issues as ApiIssue[]) : [],
    body: body ?? {},
  };
}
