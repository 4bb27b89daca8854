/**
 * HTTP requests sent exactly as written: fetch() would normalise the path (dot segments, some
 * percent-encodings) before it leaves the client, which is precisely what the route-guard and
 * bad-input tests must not let happen. Keep-alive, so thousands of requests stay fast.
 */
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawClient {
  request(options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }): Promise<RawResponse>;
  close(): void;
}

export function rawClient(baseUrl: string): RawClient {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  return {
    request({ method, path, headers = {}, body }) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method, path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** True when `text` is exactly our error body: `{ error: { code, message[, details] } }`. */
export function isErrorBody(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).join() !== 'error') return false;
  const error = (parsed as { error: unknown }).error;
  if (!error || typeof error !== 'object') return false;
  const { code, message, ...rest } = error as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    /^[A-Z_]+$/.test(code) &&
    typeof message === 'string' &&
    message.length > 0 &&
    Object.keys(rest).every((k) => k === 'details')
  );
}
