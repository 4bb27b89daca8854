/** A scripted `fetch` for web unit tests: records requests, answers from handlers by "METHOD /path". */
import { vi } from 'vitest';

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

type Handler = (req: RecordedRequest, signal: AbortSignal | undefined) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function apiError(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } });
}

/** Never answers until aborted (a provider API that hangs). */
export function hang(signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
}

/**
 * AbortSignal.timeout() runs on Node's internal timers, which vi.useFakeTimers() does not reach: while
 * the fake network is installed it times out on the test's clock instead (real or fake, whichever
 * `setTimeout` is when the request starts), like the browser's does on the page's.
 */
function timeoutOnTheTestClock(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  return controller.signal;
}

export function installFakeFetch(handlers: Record<string, Handler>) {
  vi.spyOn(AbortSignal, 'timeout').mockImplementation(timeoutOnTheTestClock);
  const requests: RecordedRequest[] = [];
  const fn = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://dialer.test');
    const req: RecordedRequest = {
      method: init.method ?? 'GET',
      url: input,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...(init.headers as Record<string, string>) },
      credentials: init.credentials,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    requests.push(req);
    const handler = handlers[`${req.method} ${req.path}`];
    if (!handler) return apiError(404, 'NOT_FOUND', `no fake for ${req.method} ${req.path}`);
    return handler(req, init.signal ?? undefined);
  });
  vi.stubGlobal('fetch', fn);
  return { requests, fn };
}
