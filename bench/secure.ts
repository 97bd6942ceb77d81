/**
 * Benchmarks of the authenticated peer-set transport (docs/peerset.md):
 *  - ChaCha20-Poly1305 frame sealing and opening with `node:crypto` vs `@noble/ciphers` (same bytes,
 *    asserted), at 64 B, 1 KiB, 16 KiB and 64 KiB frames: the measurement behind frames.ts's choice;
 *  - the primitives (Ed25519 sign/verify, X25519 key generation and Diffie-Hellman) and the whole
 *    handshake per side, in memory;
 *  - what refusing an unknown key costs the responder (read the key, ask the tracker) next to a handshake;
 *  - throughput of one SecureConnection over loopback TCP next to plain TCP.
 *
 *   npm run build && node --expose-gc dist/bench/secure.js [--quick] [--no-save]
 *
 * Writes bench/results/secure-<time>-<host>.json and bench/results/secure-latest.json (not with --quick or --no-save).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { NetAddress } from '../src/address/netaddress.js';
import { NetService } from '../src/address/service.js';
import { PeerSetTracker } from '../src/peerset/tracker.js';
import { FrameOpener, FrameSealer, frameNonce } from '../src/transport/secure/authenticated/frames.js';
import { InitiatorHandshake, ResponderHandshake, peekInitiatorKey } from '../src/transport/secure/authenticated/handshake.js';
import { Identity } from '../src/transport/secure/authenticated/identity.js';
import { AuthenticatedTransport } from '../src/transport/secure/authenticated/transport.js';
import type { SecureConnection } from '../src/transport/secure/authenticated/secure-connection.js';
import { TcpTransport } from '../src/transport/tcp.js';
import type { Connection } from '../src/transport/transport.js';
import { SystemClock } from '../src/util/clock.js';
import { ChaChaRandom } from '../src/util/random.js';
import { codeVersion, machineInfo } from './report.js';
import { perOpNs } from './timing.js';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');
const FRAME_SIZES = [64, 1024, 16_384, 65_536];
const NAMESPACE = new Uint8Array(Buffer.from('peerbook-bench'));

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function nobleSeal(key: Uint8Array, counter: number, plaintext: Uint8Array): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, plaintext.length, false);
  const sealed = chacha20poly1305(key, frameNonce(counter), header).encrypt(plaintext);
  const out = new Uint8Array(4 + sealed.length);
  out.set(header);
  out.set(sealed, 4);
  return out;
}

function nobleOpen(key: Uint8Array, counter: number, frame: Uint8Array): Uint8Array {
  return chacha20poly1305(key, frameNonce(counter), frame.subarray(0, 4)).decrypt(frame.subarray(4));
}

function nodeOpenOnce(key: Uint8Array, counter: number, frame: Buffer): Buffer {
  const length = frame.readUInt32BE(0);
  const d = createDecipheriv('chacha20-poly1305', key, frameNonce(counter), { authTagLength: 16 });
  d.setAAD(frame.subarray(0, 4), { plaintextLength: length });
  d.setAuthTag(frame.subarray(4 + length));
  const out = d.update(frame.subarray(4, 4 + length));
  d.final();
  return out;
}

interface CipherRow { frameBytes: number; nodeSealNs: number; nobleSealNs: number; nodeOpenNs: number; nobleOpenNs: number; nodeSealMBps: number; nobleSealMBps: number; sameBytes: boolean }

function cipherBench(runs: number): CipherRow[] {
  const key = new Uint8Array(32).fill(3);
  return FRAME_SIZES.map((size) => {
    const plaintext = new Uint8Array(size).fill(0x5a);
    const ours = new FrameSealer(key).seal(plaintext);
    const theirs = nobleSeal(key, 0, plaintext);
    const sameBytes = Buffer.from(theirs).equals(ours);
    if (!sameBytes) throw new Error(`node:crypto and noble disagree at ${size} bytes`);
    const batch = Math.max(20, Math.floor(4_000_000 / size));
    const sealer = new FrameSealer(key);
    const nodeSealNs = perOpNs(runs, batch, () => { sealer.seal(plaintext); });
    let c = 0;
    const nobleSealNs = perOpNs(runs, batch, () => { nobleSeal(key, c++, plaintext); });
    const frame0 = Buffer.from(ours);
    const nodeOpenNs = perOpNs(runs, batch, () => { nodeOpenOnce(key, 0, frame0); });
    const nobleOpenNs = perOpNs(runs, batch, () => { nobleOpen(key, 0, frame0); });
    // Keep the streaming opener honest too (one check that frames open in sequence).
    const opener = new FrameOpener(key);
    opener.push(ours);
    if (!opener.next()) throw new Error('opener failed');
    const mbps = (ns: number): number => Math.round((size / ns) * 1e9 / 1e6 * 10) / 10;
    return { frameBytes: size, nodeSealNs, nobleSealNs, nodeOpenNs, nobleOpenNs, nodeSealMBps: mbps(nodeSealNs), nobleSealMBps: mbps(nobleSealNs), sameBytes };
  });
}

interface HandshakeFigures {
  ed25519SignUs: number; ed25519VerifyUs: number; x25519PublicKeyUs: number; x25519SharedUs: number;
  initiatorUs: number; responderUs: number; wholeHandshakeUs: number; refuseUnknownKeyUs: number;
}

function handshakeBench(runs: number): HandshakeFigures {
  const random = ChaChaRandom.fromSeed('bench');
  const a = Identity.generate(random);
  const b = Identity.generate(random);
  const msg = random.randbytes(67);
  const sig = a.sign(msg);
  const secretA = random.randbytes(32);
  const pubB = x25519.getPublicKey(random.randbytes(32));
  const us = (ns: number): number => Math.round(ns / 100) / 10;
  const now = 1_700_000_000_000;
  let initiatorNs = 0;
  let responderNs = 0;
  const whole = perOpNs(runs, 20, () => {
    let t = process.hrtime.bigint();
    const init = new InitiatorHandshake({ identity: a, namespace: NAMESPACE, expectedKey: b.publicKey, nowMs: now, ephemeralSecret: random.randbytes(32) });
    initiatorNs += Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    const resp = new ResponderHandshake({ identity: b, namespace: NAMESPACE });
    const reply = resp.onHello(init.hello, now, random.randbytes(32));
    responderNs += Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    const { finish } = init.onReply(reply, now);
    initiatorNs += Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    resp.onFinish(finish);
    responderNs += Number(process.hrtime.bigint() - t);
  });
  const total = initiatorNs + responderNs;
  const tracker = new PeerSetTracker({ self: b.publicKey }, { clock: new SystemClock(), random });
  tracker.track(1, { [Identity.generate(random).publicKeyHex]: '10.0.0.1:9000' });
  const hello = new InitiatorHandshake({ identity: a, namespace: NAMESPACE, expectedKey: b.publicKey, nowMs: now, ephemeralSecret: random.randbytes(32) }).hello;
  const source = NetAddress.parse('10.0.0.9');
  const refuse = perOpNs(runs, 20_000, () => { tracker.checkInbound(peekInitiatorKey(hello.subarray(0, 33)), source); });
  return {
    ed25519SignUs: us(perOpNs(runs, 50, () => { ed25519.sign(msg, secretA); })),
    ed25519VerifyUs: us(perOpNs(runs, 50, () => { ed25519.verify(sig, msg, a.publicKey); })),
    x25519PublicKeyUs: us(perOpNs(runs, 50, () => { x25519.getPublicKey(secretA); })),
    x25519SharedUs: us(perOpNs(runs, 50, () => { x25519.getSharedSecret(secretA, pubB); })),
    initiatorUs: us(whole * initiatorNs / total),
    responderUs: us(whole * responderNs / total),
    wholeHandshakeUs: us(whole),
    refuseUnknownKeyUs: Math.round(refuse) / 1000,
  };
}

async function pump(sender: Connection, receiver: Connection, totalBytes: number, chunkBytes: number): Promise<number> {
  const chunk = new Uint8Array(chunkBytes).fill(7);
  let received = 0;
  const done = new Promise<void>((resolve) => receiver.on('data', (d) => { received += d.length; if (received >= totalBytes) resolve(); }));
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < totalBytes) {
    sent += chunk.length;
    if (!sender.write(chunk)) await new Promise<void>((r) => sender.once('drain', () => r()));
  }
  await done;
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function throughputBench(totalBytes: number): Promise<{ bytes: number; plainTcpMBps: number; secureMBps: number }> {
  const clock = new SystemClock();
  const random = ChaChaRandom.fromSeed('tput');
  const tcp = new TcpTransport(clock);
  let plainAccept!: (c: Connection) => void;
  const plainAccepted = new Promise<Connection>((r) => { plainAccept = r; });
  const plainListener = await tcp.listen(NetService.parse('127.0.0.1:0'), (c) => plainAccept(c));
  const plainClient = await tcp.connect(plainListener.address);
  const plainSecs = await pump(plainClient, await plainAccepted, totalBytes, 65_536);
  plainClient.destroy();
  await plainListener.close();

  const a = Identity.generate(random);
  const b = Identity.generate(random);
  const ta = new AuthenticatedTransport(tcp, { identity: a, namespace: NAMESPACE, clock, random });
  const tb = new AuthenticatedTransport(tcp, { identity: b, namespace: NAMESPACE, clock, random });
  let secureAccept!: (c: SecureConnection) => void;
  const secureAccepted = new Promise<SecureConnection>((r) => { secureAccept = r; });
  const listener = await tb.listen(NetService.parse('127.0.0.1:0'), { gate: () => undefined, onConnection: (c) => secureAccept(c) });
  const client = await ta.connect(listener.address, b.publicKey);
  const secureSecs = await pump(client, await secureAccepted, totalBytes, 65_536);
  client.destroy();
  await listener.close();
  const mbps = (s: number): number => Math.round(totalBytes / s / 1e6 * 10) / 10;
  return { bytes: totalBytes, plainTcpMBps: mbps(plainSecs), secureMBps: mbps(secureSecs) };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const save = !argv.includes('--no-save') && !quick;
  const runs = quick ? 3 : 7;
  const machine = machineInfo();
  const started = new Date();
  log(`secure bench (${quick ? 'quick' : 'full'}), load ${machine.loadAverageStart.join(' ')}`);
  log('ChaCha20-Poly1305: node:crypto vs @noble/ciphers …');
  const cipher = cipherBench(runs);
  log('handshake …');
  const handshake = handshakeBench(runs);
  log('throughput over loopback TCP …');
  const throughput = await throughputBench(quick ? 32 << 20 : 128 << 20);
  const result = {
    schema: 'peerbook-bench-secure/1', mode: quick ? 'quick' : 'full', startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageEnd: machineInfo().loadAverageStart }, code: codeVersion(path.resolve(BENCH_DIR, '..')),
    cipher, handshake, throughput,
  };
  console.log(JSON.stringify({ cipher, handshake, throughput }, null, 2));
  if (save) {
    mkdirSync(path.join(BENCH_DIR, 'results'), { recursive: true });
    const stamp = started.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
    const text = `${JSON.stringify(result, null, 2)}\n`;
    writeFileSync(path.join(BENCH_DIR, 'results', `secure-${stamp}-${machine.hostname}.json`), text);
    writeFileSync(path.join(BENCH_DIR, 'results', 'secure-latest.json'), text);
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => { console.error(err); process.exitCode = 1; });
