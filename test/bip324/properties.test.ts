/**
 * Properties of the BIP324 primitives, with fast-check: ElligatorSwift encodings decode to the key
 * they encode; both ends derive the same secrets; encrypt∘decrypt is the identity at any packet index
 * (across rekeys); and any single changed byte — in the length, the header, the contents, the tag or
 * the AAD — is rejected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bip324Cipher, LENGTH_FIELD_BYTES, PACKET_EXPANSION_BYTES } from '../../src/bip324/cipher.js';
import { ellswiftDecode, generateEllSwiftKey, xOnlyPublicKey } from '../../src/bip324/ellswift.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';

const EMPTY = new Uint8Array(0);

/** Two ciphers that completed a key exchange: [initiator, responder]. */
function keyedPair(seed: string): [Bip324Cipher, Bip324Cipher] {
  const random = ChaChaRandom.fromSeed(seed);
  const ka = generateEllSwiftKey(random);
  const kb = generateEllSwiftKey(random);
  const a = new Bip324Cipher(ka.privateKey, ka.publicKey, REGTEST.magic);
  const b = new Bip324Cipher(kb.privateKey, kb.publicKey, REGTEST.magic);
  a.initialize(kb.publicKey, true);
  b.initialize(ka.publicKey, false);
  return [a, b];
}

/** Skips `n` packets on both ends (sender encrypts empty decoys, receiver decrypts them). */
function skip(sender: Bip324Cipher, receiver: Bip324Cipher, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = sender.encrypt(EMPTY, EMPTY, true);
    receiver.decryptLength(p.subarray(0, LENGTH_FIELD_BYTES));
    assert.ok(receiver.decrypt(p.subarray(LENGTH_FIELD_BYTES)));
  }
}

test('a generated ElligatorSwift key decodes to the x coordinate of its private key', () => {
  fc.assert(fc.property(fc.string({ maxLength: 16 }), (seed) => {
    const key = generateEllSwiftKey(ChaChaRandom.fromSeed(`ellswift-${seed}`));
    assert.equal(bytesToHex(ellswiftDecode(key.publicKey)), bytesToHex(xOnlyPublicKey(key.privateKey)));
  }), { numRuns: 40 });
});

test('both ends of a key exchange derive the same session id and mirrored garbage terminators', () => {
  fc.assert(fc.property(fc.string({ maxLength: 16 }), (seed) => {
    const [a, b] = keyedPair(`kex-${seed}`);
    assert.equal(bytesToHex(a.sessionId), bytesToHex(b.sessionId));
    assert.equal(bytesToHex(a.sendGarbageTerminator), bytesToHex(b.receiveGarbageTerminator));
    assert.equal(bytesToHex(b.sendGarbageTerminator), bytesToHex(a.receiveGarbageTerminator));
    assert.notEqual(bytesToHex(a.sendGarbageTerminator), bytesToHex(a.receiveGarbageTerminator));
  }), { numRuns: 15 });
});

const [sender, receiver] = keyedPair('roundtrip');
let position = 0;

test('encrypt then decrypt returns the contents and ignore bit, at any packet index across rekeys', () => {
  fc.assert(fc.property(
    fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.integer({ min: 0, max: 300 }),
    (contents, aad, ignore, gap) => {
      skip(sender, receiver, gap);
      position += gap + 1;
      const packet = sender.encrypt(contents, aad, ignore);
      assert.equal(packet.length, contents.length + PACKET_EXPANSION_BYTES);
      assert.equal(receiver.decryptLength(packet.subarray(0, LENGTH_FIELD_BYTES)), contents.length);
      const got = receiver.decrypt(packet.subarray(LENGTH_FIELD_BYTES), aad);
      assert.ok(got, `packet ${position} authenticates`);
      assert.equal(got.ignore, ignore);
      assert.equal(bytesToHex(got.contents), bytesToHex(contents));
    },
  ), { numRuns: 120 });
  assert.ok(position > 224 * 4, `crossed several rekeys (${position} packets)`);
});

test('a packet with any one byte changed, or with a changed AAD, does not decrypt', () => {
  fc.assert(fc.property(
    fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 32 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(),
    (contents, aad, where, xor, inAad) => {
      const [a, b] = keyedPair('tamper');
      const packet = a.encrypt(contents, aad, false);
      let decAad = aad;
      if (inAad && aad.length > 0) {
        decAad = Uint8Array.from(aad);
        decAad[where % aad.length] ^= xor;
      } else {
        packet[where % packet.length] ^= xor;
      }
      const len = b.decryptLength(packet.subarray(0, LENGTH_FIELD_BYTES));
      if (len !== contents.length) return; // a changed length: the receiver reads a different packet, whose tag then fails
      assert.equal(b.decrypt(packet.subarray(LENGTH_FIELD_BYTES), decAad), undefined);
    },
  ), { numRuns: 60 });
});

test('a packet decrypted by the wrong end or at the wrong index does not authenticate', () => {
  const [a, b] = keyedPair('wrong-end');
  const p = a.encrypt(Uint8Array.of(1, 2, 3));
  // The initiator cannot read its own packet (its receive keys are the responder's send keys).
  a.decryptLength(p.subarray(0, 3));
  assert.equal(a.decrypt(p.subarray(3)), undefined);
  assert.ok(b);
  // A receiver that missed the first packet cannot read the second.
  const [c, d] = keyedPair('wrong-index');
  c.encrypt(EMPTY);
  const q = c.encrypt(Uint8Array.of(4));
  d.decryptLength(q.subarray(0, 3));
  assert.equal(d.decrypt(q.subarray(3)), undefined);
});
