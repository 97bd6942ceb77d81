/**
 * Free TCP ports for tests that start real servers (litecoind, listeners). The kernel picks a port
 * for a listener on port 0; we close it and hand the number out. Another process can take it in
 * between, so callers that bind later must be ready to retry with fresh ports.
 */
import net from 'node:net';

/** Most ports `freePorts` hands out at once. */
export const MAX_FREE_PORTS = 64;

function listenOnZero(host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `count` distinct ports that were free on `host` a moment ago (all held open together, then released). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_FREE_PORTS) {
    throw new RangeError(`freePorts: count must be 1-${MAX_FREE_PORTS}, got ${count}`);
  }
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnZero(host));
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** One port that was free on `host` a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(1, host))[0];
}
