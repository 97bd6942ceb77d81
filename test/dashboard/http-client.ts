/** A minimal HTTP client for tests: one request per connection (no pooled sockets left behind). */
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

/** A complete response. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one request to `url` and collects the whole response. */
export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; agent?: Agent } = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GETs `url` and parses the body as JSON (asserting status 200). */
export async function getJson<T>(url: string): Promise<T> {
  const r = await httpRequest(url);
  if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as T;
}
