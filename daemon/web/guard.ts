// Which requests the web socket serves. Pure: headers in, a refusal (or null) out.
//
// The socket is reached through `ssh -L PORT:web.sock`, so the browser's origin is http://localhost:PORT.
// - Every request must name a loopback Host: a page on another site whose name the attacker re-points at
//   127.0.0.1 (DNS rebinding) sends its own name and is refused, so it can read nothing.
// - A request that changes something must also come from this page: Origin equal to http://<Host>, a
//   same-origin Sec-Fetch-Site when the browser sends one, and the page's CSRF token in X-DS01-CSRF. A
//   form or fetch from another site open in the same browser fails all three.

export const CSRF_HEADER = 'x-ds01-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD']);
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::(\d{1,5}))?$/i;

export interface WebRequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  /** Why the X-DS01-CSRF token is not good for this caller (null: good). */
  csrfProblem: string | null;
}

const HINT = 'open the dashboard through `ds01 web` (ssh -L …) at http://localhost:PORT, and reload the page';

/** The refusal for a request, or null to serve it. */
export function webRefusal(f: WebRequestFacts): [code: 'FORBIDDEN', message: string, hint: string] | null {
  const host = f.host ?? '';
  if (!LOOPBACK_HOST.test(host))
    return [
      'FORBIDDEN',
      `the web dashboard answers only for localhost, not Host "${host.slice(0, 100)}"`,
      HINT,
    ];
  if (SAFE_METHODS.has(f.method)) return null;
  if (f.origin?.toLowerCase() !== `http://${host.toLowerCase()}`)
    return [
      'FORBIDDEN',
      `refused a ${f.method} from another origin (${(f.origin ?? 'none').slice(0, 100)})`,
      HINT,
    ];
  if (f.secFetchSite !== undefined && f.secFetchSite !== 'same-origin')
    return ['FORBIDDEN', `refused a ${f.method} the browser marks as ${f.secFetchSite.slice(0, 30)}`, HINT];
  if (f.csrfProblem) return ['FORBIDDEN', `refused a ${f.method}: ${f.csrfProblem}`, HINT];
  return null;
}

/** Sent with every response of the web socket: no framing, no sniffing, only this origin's scripts. */
export const WEB_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};
