/**
 * `npm run bench`, BIP324 part: what the v2 transport costs next to v1.
 *
 * - Handshake: the crypto per connection (ephemeral key + ElligatorSwift encoding; ECDH + HKDF), the
 *   whole transport handshake between two in-process transports (both sides' keys, garbage, terminator,
 *   version packet, then `version`/`verack` each way), and two `Peer`s completing the version handshake
 *   over real loopback TCP — each for v1 and v2.
 * - Throughput: messages of 8 B (ping), 250 B (a small tx), 1 kB, 64 kB and 1 MB encoded by one
 *   transport and decoded by the other, for v1 (SHA256d checksum) and v2 (ChaCha20-Poly1305 plus the
 *   length cipher), in MB/s of payload and bytes on the wire per message.
 * - AEAD backend: ChaCha20-Poly1305 from OpenSSL (`node:crypto`, what bip324/ uses) against
 *   `@noble/ciphers` on the same inputs; the bytes are compared on every run.
 *
 *   node --expose-gc dist/bench/bip324.js [--quick]     (JSON on stdout)
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { pathToFileURL } from 'node:url';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { NetService } from '../src/address/service.js';
import { Bip324Cipher } from '../src/bip324/cipher.js';
import { aeadDecrypt, aeadEncrypt, chachaNonce } from '../src/bip324/chacha20.js';
import { generateEllSwiftKey } from '../src/bip324/ellswift.js';
import type { MessageTransport } from '../src/peer/message-transport.js';
import { Peer } from '../src/peer/peer.js';
import { V1MessageTransport } from '../src/peer/v1-transport.js';
import { V2MessageTransport } from '../src/peer/v2-transport.js';
import { TcpTransport } from '../src/transport/tcp.js';
import type { Connection } from '../src/transport/transport.js';
import { SystemClock, VirtualClock } from '../src/util/clock.js';
import { ChaChaRandom } from '../src/util/random.js';
import { REGTEST } from '../src/wire/params.js';
import { PROTOCOL_VERSION } from '../src/wire/version.js';
import { median, medianNs, perOpNs } from './timing.js';

const MAGIC = REGTEST.magic;
/** Payload sizes of the throughput rows, bytes. */
export const THROUGHPUT_PAYLOAD_BYTES = [8, 250, 1_000, 65_536, 1_000_000] as const;
/** Plaintext sizes of the AEAD backend comparison, bytes (a v2 ping packet body is 1 + 1 + 8 = 10). */
export const AEAD_SIZES_BYTES = [10, 251, 1_014, 65_550, 1_000_014] as const;

/** One throughput row. */
export interface ThroughputRow {
  payloadBytes: number;
  /** Bytes on the wire per message: v1 24 + payload; v2 20 + 1 (short id) or 13 + payload. */
  v1WireBytes: number;
  v2WireBytes: number;
  /** Encode + decode, ns per message. */
  v1Ns: number;
  v2Ns: number;
  /** Payload MB/s (10^6 bytes) through encode + decode. */
  v1MBps: number;
  v2MBps: number;
  /** v2 time ÷ v1 time. */
  v2OverV1: number;
}

/** One AEAD comparison row. */
export interface AeadRow {
  plaintextBytes: number;
  nodeEncryptNs: number;
  nobleEncryptNs: number;
  nodeDecryptNs: number;
  nobleDecryptNs: number;
  /** noble time ÷ node time, encrypt and decrypt (above 1: node:crypto is faster). */
  encryptRatio: number;
  decryptRatio: number;
  sameBytes: boolean;
}

/** Everything `runBip324Bench` measures. */
export interface Bip324Figures {
  handshake: {
    /** generateEllSwiftKey: private key + x(k·G) + ElligatorSwift encoding, µs. */
    keyGenerationUs: number;
    /** Bip324Cipher.initialize: ElligatorSwift decode, ECDH, tagged hash, HKDF (6 outputs), cipher setup, µs. */
    ecdhAndKeysUs: number;
    /** Two in-process transports from construction to both sides holding each other's version and verack, µs. */
    v1TransportUs: number;
    v2TransportUs: number;
    /** Two Peers over loopback TCP, from connect to both `ready`, ms (includes the socket round trips). */
    v1PeersOverTcpMs: number;
    v2PeersOverTcpMs: number;
    /** Bytes each side sends before its first application message: v1 0; v2 64 + garbage + 16 + 20 (garbage 0–4095, mean 2047.5). */
    v2HandshakeBytesMin: number;
    v2HandshakeBytesMax: number;
  };
  throughput: ThroughputRow[];
  aead: AeadRow[];
}

function drain(t: MessageTransport): Uint8Array {
  return concatBytes(...t.takeOutgoing().map((o) => o.bytes));
}

/** Exchanges bytes until both transports are quiet; returns the number of messages delivered. */
function pump(a: MessageTransport, b: MessageTransport): number {
  let delivered = 0;
  for (;;) {
    const ab = drain(a);
    const ba = drain(b);
    if (ab.length === 0 && ba.length === 0) return delivered;
    delivered += b.receive(ab).length + a.receive(ba).length;
  }
}

const VERSION_PAYLOAD = new Uint8Array(102); // the size of a typical version message's payload

function transportHandshake(make: (initiating: boolean) => MessageTransport): void {
  const a = make(true);
  const b = make(false);
  a.send('version', VERSION_PAYLOAD);
  b.send('version', VERSION_PAYLOAD);
  a.send('verack', new Uint8Array(0));
  b.send('verack', new Uint8Array(0));
  if (pump(a, b) !== 4) throw new Error('transport handshake did not deliver 4 messages');
}

function connectedV2Pair(random: ChaChaRandom): [V2MessageTransport, V2MessageTransport] {
  const a = new V2MessageTransport({ magic: MAGIC, initiating: true, random });
  const b = new V2MessageTransport({ magic: MAGIC, initiating: false, random });
  pump(a, b);
  return [a, b];
}

function throughputRow(payloadBytes: number, runs: number, random: ChaChaRandom): ThroughputRow {
  const payload = random.randbytes(payloadBytes);
  const v1a = new V1MessageTransport(MAGIC);
  const v1b = new V1MessageTransport(MAGIC);
  const [v2a, v2b] = connectedV2Pair(random);
  const batch = Math.max(1, Math.min(2_000, Math.floor(4_000_000 / (payloadBytes + 100))));
  const roundTrip = (a: MessageTransport, b: MessageTransport) => (): void => {
    a.send('tx', payload); // 'tx' has a BIP324 short id, as most bulk traffic (tx, block, inv) does
    const bytes = a.takeOutgoing()[0].bytes;
    if (b.receive(bytes).length !== 1) throw new Error('message not decoded');
  };
  v1a.send('tx', payload);
  const v1WireBytes = v1a.takeOutgoing()[0].bytes.length;
  v2a.send('tx', payload);
  const v2Packet = v2a.takeOutgoing()[0].bytes;
  v2b.receive(v2Packet);
  const v1Ns = perOpNs(runs, batch, roundTrip(v1a, v1b));
  const v2Ns = perOpNs(runs, batch, roundTrip(v2a, v2b));
  const mbps = (ns: number): number => Number((payloadBytes / ns * 1000).toFixed(1));
  return {
    payloadBytes,
    v1WireBytes,
    v2WireBytes: v2Packet.length,
    v1Ns: Math.round(v1Ns),
    v2Ns: Math.round(v2Ns),
    v1MBps: mbps(v1Ns),
    v2MBps: mbps(v2Ns),
    v2OverV1: Number((v2Ns / v1Ns).toFixed(2)),
  };
}

function nobleEncrypt(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, aad: Uint8Array): Uint8Array {
  return chacha20poly1305(key, nonce, aad).encrypt(plain);
}

function nobleDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(sealed);
  } catch {
    return undefined;
  }
}

function aeadRow(size: number, runs: number, random: ChaChaRandom): AeadRow {
  const key = random.randbytes(32);
  const nonce = chachaNonce(random.randbits(32), 7n);
  const plain = random.randbytes(size);
  const aad = new Uint8Array(0);
  const node = aeadEncrypt(key, nonce, plain, aad);
  const noble = nobleEncrypt(key, nonce, plain, aad);
  const sameBytes = Buffer.from(node).equals(Buffer.from(noble))
    && Buffer.from(aeadDecrypt(key, nonce, node, aad) ?? []).equals(Buffer.from(plain))
    && Buffer.from(nobleDecrypt(key, nonce, node, aad) ?? []).equals(Buffer.from(plain));
  const batch = Math.max(1, Math.min(5_000, Math.floor(2_000_000 / (size + 200))));
  const nodeEncryptNs = perOpNs(runs, batch, () => { aeadEncrypt(key, nonce, plain, aad); });
  const nobleEncryptNs = perOpNs(runs, batch, () => { nobleEncrypt(key, nonce, plain, aad); });
  const nodeDecryptNs = perOpNs(runs, batch, () => { aeadDecrypt(key, nonce, node, aad); });
  const nobleDecryptNs = perOpNs(runs, batch, () => { nobleDecrypt(key, nonce, node, aad); });
  return {
    plaintextBytes: size,
    nodeEncryptNs: Math.round(nodeEncryptNs),
    nobleEncryptNs: Math.round(nobleEncryptNs),
    nodeDecryptNs: Math.round(nodeDecryptNs),
    nobleDecryptNs: Math.round(nobleDecryptNs),
    encryptRatio: Number((nobleEncryptNs / nodeEncryptNs).toFixed(2)),
    decryptRatio: Number((nobleDecryptNs / nodeDecryptNs).toFixed(2)),
    sameBytes,
  };
}

/** Connects two Peers over loopback TCP `n` times with the given transport; median ms to both ready. */
async function peersOverTcpMs(choice: 'v1' | 'v2', n: number): Promise<number> {
  const clock = new SystemClock();
  const tcp = new TcpTransport(clock);
  const accepted: Connection[] = [];
  let onAccept: (() => void) | undefined;
  const listener = await tcp.listen(NetService.parse('127.0.0.1:0'), (c) => { accepted.push(c); onAccept?.(); });
  const times: number[] = [];
  const local = { protocolVersion: PROTOCOL_VERSION, services: 0n, userAgent: '/bench:1/', startHeight: () => 0, relayTxs: true };
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const acceptedNow = new Promise<void>((r) => { onAccept = r; });
      const dialer = await tcp.connect(listener.address);
      await acceptedNow;
      const server = accepted.shift()!;
      const vclock = new VirtualClock();
      const mk = (conn: Connection, inbound: boolean): Peer => new Peer({
        id: inbound ? 2 : 1, connection: conn, connType: inbound ? 'inbound' : 'outbound-full-relay', addr: conn.remote, magic: MAGIC,
        clock: vclock, random: ChaChaRandom.secure(), local, nonce: BigInt(i * 2 + (inbound ? 1 : 0) + 1), messageTransport: choice,
      });
      const out = mk(dialer, false);
      const inb = mk(server, true);
      const ready = Promise.all([new Promise((r) => out.once('ready', () => r(undefined))), new Promise((r) => inb.once('ready', () => r(undefined)))]);
      inb.start();
      out.start();
      await ready;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      out.destroy();
      inb.destroy();
      await Promise.all([out.closed, inb.closed]);
    }
  } finally {
    await listener.close();
  }
  return Number(median(times).toFixed(3));
}

/** Runs the BIP324 benches (fewer repetitions with `quick`). */
export async function runBip324Bench(opts: { quick?: boolean } = {}): Promise<Bip324Figures> {
  const runs = opts.quick ? 3 : 7;
  const random = ChaChaRandom.fromSeed('bip324-bench');
  const keys = Array.from({ length: 8 }, () => generateEllSwiftKey(random));
  const keyGenerationNs = perOpNs(runs, 20, () => { generateEllSwiftKey(random); });
  let k = 0;
  const ecdhNs = perOpNs(runs, 20, () => {
    const ours = keys[k % keys.length];
    const theirs = keys[(k + 1) % keys.length];
    k++;
    new Bip324Cipher(ours.privateKey, ours.publicKey, MAGIC).initialize(theirs.publicKey, true);
  });
  const v1TransportNs = perOpNs(runs, 200, () => transportHandshake(() => new V1MessageTransport(MAGIC)));
  const v2TransportNs = medianNs(runs * 5, () => transportHandshake((initiating) => new V2MessageTransport({ magic: MAGIC, initiating, random })));
  const tcpRuns = opts.quick ? 5 : 15;
  await peersOverTcpMs('v1', 2); // warm-up
  const v1PeersOverTcpMs = await peersOverTcpMs('v1', tcpRuns);
  const v2PeersOverTcpMs = await peersOverTcpMs('v2', tcpRuns);
  return {
    handshake: {
      keyGenerationUs: Number((keyGenerationNs / 1000).toFixed(1)),
      ecdhAndKeysUs: Number((ecdhNs / 1000).toFixed(1)),
      v1TransportUs: Number((v1TransportNs / 1000).toFixed(1)),
      v2TransportUs: Number((v2TransportNs / 1000).toFixed(1)),
      v1PeersOverTcpMs,
      v2PeersOverTcpMs,
      v2HandshakeBytesMin: 64 + 0 + 16 + 20,
      v2HandshakeBytesMax: 64 + 4095 + 16 + 20,
    },
    throughput: THROUGHPUT_PAYLOAD_BYTES.map((size) => throughputRow(size, runs, random)),
    aead: AEAD_SIZES_BYTES.map((size) => aeadRow(size, runs, random)),
  };
}

/** The figures as printable lines. */
export function formatBip324(f: Bip324Figures): string {
  const h = f.handshake;
  const lines = [
    'BIP324 v2 transport vs v1',
    `  handshake: key generation ${h.keyGenerationUs} µs, ECDH + HKDF ${h.ecdhAndKeysUs} µs; in-process transports v1 ${h.v1TransportUs} µs, v2 ${h.v2TransportUs} µs;`,
    `             two Peers over loopback TCP to ready: v1 ${h.v1PeersOverTcpMs} ms, v2 ${h.v2PeersOverTcpMs} ms; v2 sends ${h.v2HandshakeBytesMin}–${h.v2HandshakeBytesMax} handshake bytes per side`,
    '  payload    wire v1   wire v2   v1 ns/msg   v2 ns/msg   v1 MB/s   v2 MB/s   v2÷v1',
    ...f.throughput.map((r) => `  ${String(r.payloadBytes).padStart(7)}  ${String(r.v1WireBytes).padStart(8)}  ${String(r.v2WireBytes).padStart(8)}  ${String(r.v1Ns).padStart(10)}  ${String(r.v2Ns).padStart(10)}  ${String(r.v1MBps).padStart(8)}  ${String(r.v2MBps).padStart(8)}  ${String(r.v2OverV1).padStart(6)}`),
    '  ChaCha20-Poly1305, ns per call: plaintext   node enc   noble enc   node dec   noble dec   same bytes',
    ...f.aead.map((r) => `  ${String(r.plaintextBytes).padStart(41)}  ${String(r.nodeEncryptNs).padStart(9)}  ${String(r.nobleEncryptNs).padStart(10)}  ${String(r.nodeDecryptNs).padStart(9)}  ${String(r.nobleDecryptNs).padStart(10)}   ${r.sameBytes}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBip324Bench({ quick: process.argv.includes('--quick') }).then(
    (r) => {
      console.error(formatBip324(r));
      console.log(JSON.stringify(r, null, 2));
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
