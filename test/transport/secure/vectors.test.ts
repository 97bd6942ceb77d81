import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { VECTORS_PATH, computeVectors, type PeersetVectors } from './vectors.js';

const committed = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as PeersetVectors;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'ascii');

// ---- an independent reading of docs/peerset.md with node:crypto only -------------------------------

const PKCS8_ED25519 = hex('302e020100300506032b657004220420');
const PKCS8_X25519 = hex('302e020100300506032b656e04220420');

function ed25519Public(secret: Buffer): Buffer {
  const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secret]), format: 'der', type: 'pkcs8' });
  return Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
}

function ed25519Verify(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' });
  return crypto.verify(null, message, key, signature);
}

function x25519(secret: Buffer, peerPublic?: Buffer): Buffer {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, secret]), format: 'der', type: 'pkcs8' });
  if (!peerPublic) return Buffer.from(crypto.createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerPublic.toString('base64url') }, format: 'jwk' });
  return crypto.diffieHellman({ privateKey, publicKey });
}

function hkdfExpand(prk: Buffer, info: string): Buffer {
  // HKDF-Expand for L = 32: T(1) = HMAC(prk, info ‖ 0x01).
  return crypto.createHmac('sha256', prk).update(Buffer.concat([ascii(info), Buffer.of(1)])).digest();
}

function u64be(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

test('the committed vector file equals what the implementation computes', () => {
  assert.deepEqual(committed, computeVectors());
});

test('the vectors follow the specification when re-derived with node:crypto alone', () => {
  const v = committed;
  const iStatic = ed25519Public(hex(v.initiator.staticSecret));
  const rStatic = ed25519Public(hex(v.responder.staticSecret));
  assert.equal(iStatic.toString('hex'), v.initiator.staticPublic);
  assert.equal(rStatic.toString('hex'), v.responder.staticPublic);
  const iEph = x25519(hex(v.initiator.ephemeralSecret));
  const rEph = x25519(hex(v.responder.ephemeralSecret));
  assert.equal(iEph.toString('hex'), v.initiator.ephemeralPublic);
  assert.equal(rEph.toString('hex'), v.responder.ephemeralPublic);

  // Hello = 0x01 ‖ I ‖ R ‖ u64be(tsI) ‖ eI
  const hello = Buffer.concat([Buffer.of(1), iStatic, rStatic, u64be(v.initiator.timestampMs), iEph]);
  assert.equal(hello.toString('hex'), v.hello);

  // th = SHA-256("peerbook-auth-v1 transcript" ‖ u32be(|ns|) ‖ ns ‖ Hello ‖ R ‖ u64be(tsR) ‖ eR)
  const ns = ascii(v.namespace.ascii);
  const nsLen = Buffer.alloc(4);
  nsLen.writeUInt32BE(ns.length);
  const replyHead = Buffer.concat([rStatic, u64be(v.responder.timestampMs), rEph]);
  const th = crypto.createHash('sha256').update(Buffer.concat([ascii('peerbook-auth-v1 transcript'), nsLen, ns, hello, replyHead])).digest();
  assert.equal(th.toString('hex'), v.transcriptHash);

  const shared = x25519(hex(v.initiator.ephemeralSecret), rEph);
  assert.equal(shared.toString('hex'), v.sharedSecret);
  assert.deepEqual(x25519(hex(v.responder.ephemeralSecret), iEph), shared);
  const prk = crypto.createHmac('sha256', th).update(shared).digest(); // HKDF-Extract(salt = th, ikm = dh)
  assert.equal(prk.toString('hex'), v.prk);
  assert.equal(hkdfExpand(prk, 'peerbook-auth-v1 key initiator to responder').toString('hex'), v.keyInitiatorToResponder);
  assert.equal(hkdfExpand(prk, 'peerbook-auth-v1 key responder to initiator').toString('hex'), v.keyResponderToInitiator);
  assert.equal(hkdfExpand(prk, 'peerbook-auth-v1 confirm responder').toString('hex'), v.confirmResponder);
  assert.equal(hkdfExpand(prk, 'peerbook-auth-v1 confirm initiator').toString('hex'), v.confirmInitiator);
  assert.equal(Buffer.from(crypto.hkdfSync('sha256', shared, th, ascii('peerbook-auth-v1 key initiator to responder'), 32)).toString('hex'), v.keyInitiatorToResponder);

  // Reply = R ‖ u64be(tsR) ‖ eR ‖ sigR ‖ confirmR, sigR over "peerbook-auth-v1 responder signature" ‖ th
  const reply = hex(v.reply);
  assert.deepEqual(reply.subarray(0, 72), replyHead);
  const sigR = reply.subarray(72, 136);
  assert.ok(ed25519Verify(rStatic, Buffer.concat([ascii('peerbook-auth-v1 responder signature'), th]), sigR));
  const rSecretKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, hex(v.responder.staticSecret)]), format: 'der', type: 'pkcs8' });
  assert.deepEqual(crypto.sign(null, Buffer.concat([ascii('peerbook-auth-v1 responder signature'), th]), rSecretKey), sigR);
  assert.equal(reply.subarray(136).toString('hex'), v.confirmResponder);

  // Finish = sigI ‖ confirmI
  const finish = hex(v.finish);
  assert.ok(ed25519Verify(iStatic, Buffer.concat([ascii('peerbook-auth-v1 initiator signature'), th]), finish.subarray(0, 64)));
  assert.equal(finish.subarray(64).toString('hex'), v.confirmInitiator);

  // frame = u32be(len) ‖ ChaCha20-Poly1305(key, u64le(counter) ‖ 0^4, aad = u32be(len), plaintext) ‖ tag
  const seal = (key: string, counter: number, plaintext: Buffer): Buffer => {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64LE(BigInt(counter));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(plaintext.length);
    const c = crypto.createCipheriv('chacha20-poly1305', hex(key), nonce, { authTagLength: 16 });
    c.setAAD(header, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    c.final();
    return Buffer.concat([header, body, c.getAuthTag()]);
  };
  for (const f of v.framesInitiatorToResponder) assert.equal(seal(v.keyInitiatorToResponder, f.counter, hex(f.plaintext)).toString('hex'), f.frame);
  for (const f of v.framesResponderToInitiator) assert.equal(seal(v.keyResponderToInitiator, f.counter, hex(f.plaintext)).toString('hex'), f.frame);
});
