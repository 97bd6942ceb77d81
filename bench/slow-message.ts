/**
 * Memory under slow large messages: `peers` clients each open a connection to a Peerbook node on
 * 127.0.0.1, send the 24-byte header of a 4,000,000-byte message and then 2.1 MB of its payload, and
 * stop there — the pattern of a peer that trickles a large message, or of an attacker holding buffers.
 * The node runs in a child process (a PeerManager, manual outbound only, nothing dialed), whose memory
 * is read before, while the partial messages are held, after the clients close, and after a forced GC.
 *
 *   node --expose-gc dist/bench/slow-message.js [--peers N] [--sent BYTES] [--waves N] [--out FILE]
 *
 * With --waves N the whole thing is repeated N times against the same node (does RSS keep growing, or
 * is the memory freed by one wave reused by the next?). Prints one JSON object (and writes it to --out). RSS includes allocator retention: memory freed by
 * JavaScript that the C allocator keeps for reuse, which is why "after close" can stay high even when
 * `arrayBuffers` (memory JavaScript still holds) is back to its start.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { PeerManager } from '../src/connman/manager.js';
import { REGTEST } from '../src/wire/params.js';

/** Core MAX_PROTOCOL_MESSAGE_LENGTH: the declared length. */
const DECLARED_BYTES = 4_000_000;
const CHUNK_BYTES = 64 * 1024;

interface Memory { rss: number; heapUsed: number; external: number; arrayBuffers: number }

function memory(): Memory {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** The node side: a listening PeerManager answering 'sample' and 'gc' over IPC. */
async function node(): Promise<void> {
  const manager = new PeerManager({ network: REGTEST, listen: true, bind: ['127.0.0.1:0'], connect: ['0'], dnsSeed: false, fixedSeeds: false });
  await manager.start();
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', async (m) => {
    if (m === 'gc' && gc) {
      // ArrayBuffer backing stores are released by a sweeper after the collection: collect, wait, collect.
      gc();
      await sleep(200);
      gc();
    }
    if (m === 'sample' || m === 'gc') process.send?.({ memory: memory(), inbound: manager.nodeCount('in'), peers: manager.peers().length });
    if (m === 'stop') void manager.stop().then(() => process.exit(0));
  });
  process.send?.({ port: manager.listenAddresses[0].port, memory: memory() });
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

interface Wave { sendSeconds: number; inboundWhileHeld: number; closedByNode: number; held: Memory; heldAfterGc: Memory; closed: Memory; closedAfterGc: Memory }

/** One wave: `peers` connections each send the header and `sent` payload bytes, hold, then close. */
async function runWave(port: number, peers: number, sent: number, header: Buffer, ask: (what?: string) => Promise<any>): Promise<Wave> {
  const sockets: net.Socket[] = [];
  let closedByNode = 0;
  let holding = true;
  const started = performance.now();
  await Promise.all(Array.from({ length: peers }, () => new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, async () => {
      s.write(header);
      for (let at = 0; at < sent; at += CHUNK_BYTES) {
        if (!s.write(Buffer.alloc(Math.min(CHUNK_BYTES, sent - at), 0x5a))) await new Promise((r) => s.once('drain', r));
      }
      s.write(Buffer.alloc(0), () => resolve());
    });
    s.on('error', reject);
    s.on('data', () => undefined);
    s.on('close', () => { if (holding) closedByNode++; });
    sockets.push(s);
  })));
  // The kernel may still hold some connections in the listen backlog with their bytes in socket
  // buffers: wait until the node has accepted every one, then let it drain them.
  for (let i = 0; i < 200 && (await ask('sample')).inbound < peers; i++) await sleep(100);
  await sleep(2000);
  const held = await ask('sample') as { memory: Memory; inbound: number };
  const heldAfterGc = (await ask('gc')).memory as Memory;
  holding = false;
  for (const s of sockets) s.destroy();
  for (let i = 0; i < 300 && (await ask('sample')).inbound > 0; i++) await sleep(100);
  await sleep(1000);
  const closed = (await ask('sample')).memory as Memory;
  const closedAfterGc = (await ask('gc')).memory as Memory;
  return { sendSeconds: Math.round((performance.now() - started) / 100) / 10, inboundWhileHeld: held.inbound, closedByNode, held: held.memory, heldAfterGc, closed, closedAfterGc };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const peers = option(argv, '--peers', 100);
  const sent = option(argv, '--sent', 2_100_000);
  const waves = option(argv, '--waves', 1);
  const outIndex = argv.indexOf('--out');
  const child = fork(fileURLToPath(import.meta.url), ['--node'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: Array<(m: any) => void> = [];
  child.on('message', (m) => replies.shift()?.(m));
  const ask = (what?: string): Promise<any> => {
    const p = new Promise((resolve) => replies.push(resolve));
    if (what) child.send(what);
    return p;
  };
  const { port, memory: atStart } = (await ask()) as { port: number; memory: Memory };
  await sleep(1000);
  const before = (await ask('gc')).memory as Memory;

  const header = Buffer.alloc(24);
  REGTEST.magic.forEach((b, i) => { header[i] = b; });
  header.write('block', 4, 'latin1');
  header.writeUInt32LE(DECLARED_BYTES, 16);
  const results: Wave[] = [];
  for (let wave = 0; wave < waves; wave++) results.push(await runWave(port, peers, sent, header, ask));
  child.send('stop');
  const mb = (n: number): number => Math.round((n / 1024 / 1024) * 10) / 10;
  const row = (m: Memory): Record<string, number> => ({ rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), arrayBuffersMB: mb(m.arrayBuffers) });
  const result = {
    bench: 'slow-large-message', peers, declaredBytes: DECLARED_BYTES, sentBytesPerPeer: sent, node: process.version,
    mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
    memory: { start: row(atStart), before: row(before) },
    waves: results.map((w) => ({
      sendSeconds: w.sendSeconds, inboundWhileHeld: w.inboundWhileHeld, closedByNode: w.closedByNode,
      held: row(w.held), heldAfterGc: row(w.heldAfterGc), closed: row(w.closed), closedAfterGc: row(w.closedAfterGc),
    })),
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  if (outIndex >= 0) writeFileSync(argv[outIndex + 1], text);
}

if (process.argv.includes('--node')) await node();
else await main();
