// The page talks to ds01d through the same /v1 routes as the commands. Changes carry the page's CSRF
// token; the server also checks Origin and Host.
const csrf = document.querySelector<HTMLMetaElement>('meta[name="ds01-csrf"]')?.content ?? '';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(method === 'GET' ? {} : { 'X-DS01-CSRF': csrf }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(e.message ?? `${res.status} ${res.statusText}`, e.hint, res.status);
  }
  return data as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);
export const del = <T>(path: string) => call<T>('DELETE', path);
export const seg = (s: string | number) => encodeURIComponent(String(s));
