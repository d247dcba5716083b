/** Calls to dealflow's /v1 API with the signed-in key (kept in sessionStorage, this tab only). */
const KEY = 'dealflow.apiKey';

export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string): void => sessionStorage.setItem(KEY, key),
  clear: (): void => sessionStorage.removeItem(KEY),
};

/** Called on a 401 (the key was revoked or is wrong): the app goes back to sign-in. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', (e as Error).message);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(err?.details)
      ? (err.details as FieldProblem[]).filter((d) => d && typeof d.path === 'string')
      : [];
    if (res.status === 401 && key === session.key()) onUnauthorized();
    throw new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? `${res.status} ${res.statusText}`,
      details,
    );
  }
  return parsed as T;
}

/** A read that may not exist yet (404) or not be for this role (403): undefined instead of an error. */
export async function optional<T>(
  path: string,
): Promise<{ ok: true; value: T } | { ok: false; reason: 'missing' | 'forbidden' }> {
  try {
    return { ok: true, value: await api<T>('GET', path) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { ok: false, reason: 'missing' };
    if (e instanceof ApiError && e.status === 403) return { ok: false, reason: 'forbidden' };
    throw e;
  }
}
