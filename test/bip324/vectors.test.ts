/**
 * BIP324's published vectors (bitcoin/bips bip-0324/*.csv) byte for byte, Core's bip324_tests.cpp
 * error-injection loop over them, and Core's crypto_tests.cpp cases for FSChaCha20,
 * ChaCha20-Poly1305, FSChaCha20Poly1305 and HKDF-SHA256-L32, transcribed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Bip324Cipher, PACKET_EXPANSION_BYTES } from '../../src/bip324/cipher.js';
import { aeadDecrypt, aeadEncrypt, aeadEncryptInto, chacha20Keystream, chachaNonce, ChaCha20Stream } from '../../src/bip324/chacha20.js';
import { bip324SharedSecret, ellswiftDecode, ellswiftEcdhX, ellswiftInverse, xOnlyPublicKey } from '../../src/bip324/ellswift.js';
import { FSChaCha20, FSChaCha20Poly1305 } from '../../src/bip324/fschacha20.js';
import { deriveSessionKeys } from '../../src/bip324/keys.js';
import { bytesToHex } from '../../src/util/hex.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { MAINNET } from '../../src/wire/params.js';
import { hex, readVectorFile } from './vector-files.js';

const toBig = (h: string): bigint => BigInt(`0x${h}`);
const fieldHex = (v: bigint): string => v.toString(16).padStart(64, '0');

test('ellswift_decode_test_vectors.csv: every 64-byte encoding decodes to its x coordinate (XSwiftEC)', () => {
  const rows = readVectorFile('ellswift_decode_test_vectors.csv');
  assert.equal(rows.length, 76);
  for (const row of rows) {
    assert.equal(bytesToHex(ellswiftDecode(hex(row.ellswift))), row.x, `${row.ellswift} (${row.comment})`);
  }
});

test('xswiftec_inv_test_vectors.csv: all eight cases of XSwiftECInv give the published t, or no solution where none is published', () => {
  const rows = readVectorFile('xswiftec_inv_test_vectors.csv');
  assert.equal(rows.length, 32);
  let solutions = 0;
  for (const row of rows) {
    for (let c = 0; c < 8; c++) {
      const t = ellswiftInverse(toBig(row.x), toBig(row.u), c);
      const expected = row[`case${c}_t`];
      assert.equal(t === undefined ? '' : fieldHex(t), expected, `u=${row.u} case ${c} (${row.comment.split(';')[c]})`);
      if (expected !== '') {
        solutions++;
        // And the published t really encodes x: decode(u ‖ t) = x.
        assert.equal(bytesToHex(ellswiftDecode(hex(row.u + expected))), row.x);
      }
    }
  }
  assert.ok(solutions > 0);
});

const packetRows = readVectorFile('packet_encoding_test_vectors.csv');

test('packet_encoding_test_vectors.csv has the 7 published rows', () => {
  assert.equal(packetRows.length, 7);
});

/** A cipher positioned at packet `idx` (after `idx` encrypted empty decoys), as the vectors prescribe. */
function cipherFor(row: Record<string, string>, selfDecrypt = false, initiating = row.in_initiating === '1'): Bip324Cipher {
  const cipher = new Bip324Cipher(hex(row.in_priv_ours), hex(row.in_ellswift_ours), MAINNET.magic);
  cipher.initialize(hex(row.in_ellswift_theirs), initiating, selfDecrypt);
  return cipher;
}

function contentsOf(row: Record<string, string>): Uint8Array {
  const unit = hex(row.in_contents);
  const times = Number(row.in_multiply);
  const out = new Uint8Array(unit.length * times);
  for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
  return out;
}

for (const row of packetRows) {
  const role = row.in_initiating === '1' ? 'initiator' : 'responder';
  const label = `packet vector idx ${row.in_idx} (${role}, ${row.in_ignore === '1' ? 'decoy' : 'not decoy'}, ${row.in_aad ? 'with' : 'no'} AAD, ${hex(row.in_contents).length}×${row.in_multiply} bytes)`;

  test(`${label}: keys, ECDH, shared secret, HKDF outputs, terminators and session id match`, () => {
    const priv = hex(row.in_priv_ours);
    assert.equal(bytesToHex(xOnlyPublicKey(priv)), row.mid_x_ours, 'x(priv·G)');
    assert.equal(bytesToHex(ellswiftDecode(hex(row.in_ellswift_ours))), row.mid_x_ours, 'decode(ellswift_ours)');
    assert.equal(bytesToHex(ellswiftDecode(hex(row.in_ellswift_theirs))), row.mid_x_theirs, 'decode(ellswift_theirs)');
    assert.equal(bytesToHex(ellswiftEcdhX(priv, hex(row.in_ellswift_theirs))), row.mid_x_shared, 'x-only ECDH');
    const secret = bip324SharedSecret(priv, hex(row.in_ellswift_ours), hex(row.in_ellswift_theirs), row.in_initiating === '1');
    assert.equal(bytesToHex(secret), row.mid_shared_secret, 'tagged-hash shared secret');
    const keys = deriveSessionKeys(secret, MAINNET.magic);
    assert.equal(bytesToHex(keys.initiatorL), row.mid_initiator_l);
    assert.equal(bytesToHex(keys.initiatorP), row.mid_initiator_p);
    assert.equal(bytesToHex(keys.responderL), row.mid_responder_l);
    assert.equal(bytesToHex(keys.responderP), row.mid_responder_p);
    assert.equal(bytesToHex(keys.sessionId), row.out_session_id);
    const cipher = cipherFor(row);
    assert.equal(bytesToHex(cipher.sendGarbageTerminator), row.mid_send_garbage_terminator);
    assert.equal(bytesToHex(cipher.receiveGarbageTerminator), row.mid_recv_garbage_terminator);
    assert.equal(bytesToHex(cipher.sessionId), row.out_session_id);
  });

  test(`${label}: the packet after ${row.in_idx} decoys is the published ciphertext`, () => {
    const cipher = cipherFor(row);
    for (let i = 0; i < Number(row.in_idx); i++) cipher.encrypt(new Uint8Array(0), new Uint8Array(0), true);
    const contents = contentsOf(row);
    const packet = cipher.encrypt(contents, hex(row.in_aad), row.in_ignore === '1');
    assert.equal(packet.length, contents.length + PACKET_EXPANSION_BYTES);
    if (row.out_ciphertext !== '') {
      assert.equal(bytesToHex(packet), row.out_ciphertext);
    } else {
      const tail = hex(row.out_ciphertext_endswith);
      assert.equal(bytesToHex(packet.subarray(packet.length - tail.length)), row.out_ciphertext_endswith);
    }
  });

  // Core bip324_tests.cpp: the same packet decrypted by a self-decrypting cipher, without and with
  // each kind of damage: 0 none, 1 wrong side, 2–9 one flipped bit (bit error-2) in the packet,
  // 10 a flipped bit in the AAD, 11 an extra 0x00 after the AAD, 12 the wrong packet index.
  test(`${label}: Core's error-injection loop decrypts the intact packet and rejects every damaged one`, () => {
    const rng = ChaChaRandom.fromSeed(`bip324-errors-${row.in_idx}`);
    const idx = Number(row.in_idx);
    const initiating = row.in_initiating === '1';
    const enc = cipherFor(row);
    const dummies: Uint8Array[] = [];
    for (let i = 0; i < idx; i++) dummies.push(enc.encrypt(new Uint8Array(0), new Uint8Array(0), true));
    const contents = contentsOf(row);
    const aad = hex(row.in_aad);
    const ignore = row.in_ignore === '1';
    const packet = enc.encrypt(contents, aad, ignore);
    for (let error = 0; error <= 12; error++) {
      const dec = cipherFor(row, true, (error === 1) !== initiating);
      assert.equal(bytesToHex(dec.sessionId) === row.out_session_id, error !== 1, `error ${error}: session id`);
      if (idx === 0 && error === 12) continue;
      const decIdx = idx ^ (error === 12 ? 1 << rng.randrange(16) : 0);
      for (let i = 0; i < decIdx; i++) {
        const d = dummies[i < idx ? i : 0];
        dec.decryptLength(d.subarray(0, 3));
        dec.decrypt(d.subarray(3));
      }
      const damaged = Uint8Array.from(packet);
      if (error >= 2 && error <= 9) damaged[rng.randrange(damaged.length)] ^= 1 << (error - 2);
      const len = dec.decryptLength(damaged.subarray(0, 3));
      let body = damaged.subarray(3);
      if (len + PACKET_EXPANSION_BYTES - 3 !== body.length) {
        // A damaged length: take as many bytes as it claims (padding with zeros), as a receiver would.
        const resized = new Uint8Array(len + PACKET_EXPANSION_BYTES - 3);
        resized.set(body.subarray(0, Math.min(body.length, resized.length)));
        body = resized;
      }
      let decAad = aad;
      if (error === 10) {
        if (aad.length === 0) continue;
        decAad = Uint8Array.from(aad);
        decAad[rng.randrange(decAad.length)] ^= 1 << rng.randrange(8);
      }
      if (error === 11) {
        decAad = new Uint8Array(aad.length + 1);
        decAad.set(aad);
      }
      const result = dec.decrypt(body, decAad);
      assert.equal(result !== undefined, error === 0, `error ${error}: decrypt ${result ? 'succeeded' : 'failed'}`);
      if (result) {
        assert.equal(result.ignore, ignore);
        assert.ok(Buffer.from(result.contents).equals(Buffer.from(contents)));
      }
    }
  });
}

// ---- Core crypto_tests.cpp ------------------------------------------------------------------------

/** Core TestFSChaCha20: `rekeyInterval` crypts equal plain ChaCha20; the next one differs, and equals ChaCha20 under the rotated key. */
function checkFSChaCha20(plaintextHex: string, keyHex: string, rekeyInterval: number, afterRotationHex: string): void {
  const plaintext = hex(plaintextHex);
  const key = hex(keyHex);
  const fs = new FSChaCha20(key, rekeyInterval);
  const plain = new ChaCha20Stream(key, chachaNonce(0, 0));
  for (let i = 0; i < rekeyInterval; i++) {
    assert.equal(bytesToHex(fs.crypt(plaintext)), bytesToHex(plain.crypt(plaintext)), `message ${i}`);
  }
  const rotated = fs.crypt(plaintext);
  const newKey = plain.keystream(32);
  assert.notEqual(bytesToHex(rotated), bytesToHex(plain.crypt(plaintext)));
  assert.equal(bytesToHex(rotated), bytesToHex(new ChaCha20Stream(newKey, chachaNonce(0, 1)).crypt(plaintext)));
  assert.equal(bytesToHex(rotated), afterRotationHex);
}

test('Core crypto_tests FSChaCha20: three vectors, identical to ChaCha20 until the rekey and to the rotated key after', () => {
  checkFSChaCha20('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    '0000000000000000000000000000000000000000000000000000000000000000', 256,
    'a93df4ef03011f3db95f60d996e1785df5de38fc39bfcb663a47bb5561928349');
  checkFSChaCha20('01', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 5, 'ea');
  checkFSChaCha20('e93fdb5c762804b9a706816aca31e35b11d2aa3080108ef46a5b1f1508819c0a',
    '8ec4c3ccdaea336bdeb245636970be01266509b33f3d2642504eaf412206207a', 4096,
    '8bfaa4eacff308fdb4a94a5ff25bd9d0c1f84b77f81239f67ff39d6e1ac280c9');
});

/** Core TestChaCha20Poly1305: whole and split encryption, decryption, and the keystream relation. */
function checkChaCha20Poly1305(plainHex: string, aadHex: string, keyHex: string, nonce: [number, bigint], cipherHex: string): void {
  const plain = hex(plainHex);
  const aad = hex(aadHex);
  const key = hex(keyHex);
  const n = chachaNonce(nonce[0], nonce[1]);
  assert.equal(bytesToHex(aeadEncrypt(key, n, plain, aad)), cipherHex);
  const rng = ChaChaRandom.fromSeed(cipherHex);
  for (let i = 0; i < 4; i++) {
    const prefix = rng.randrange(plain.length + 1);
    const out = new Uint8Array(plain.length + 16);
    aeadEncryptInto(key, n, [plain.subarray(0, prefix), plain.subarray(prefix)], aad, out, 0);
    assert.equal(bytesToHex(out), cipherHex, `split at ${prefix}`);
  }
  const decrypted = aeadDecrypt(key, n, hex(cipherHex), aad);
  assert.ok(decrypted);
  assert.equal(bytesToHex(decrypted), plainHex);
  // Core: the AEAD's keystream starts at block 1 (block 0 is the Poly1305 key).
  const keystream = chacha20Keystream(key, n, plain.length, 1);
  const expected = hex(cipherHex);
  for (let i = 0; i < plain.length; i++) assert.equal(plain[i] ^ keystream[i], expected[i]);
}

test('Core crypto_tests ChaCha20Poly1305: RFC 8439 §2.8.2 and A.5 and the two 16-byte-multiple vectors', () => {
  checkChaCha20Poly1305(
    '4c616469657320616e642047656e746c656d656e206f662074686520636c6173'
    + '73206f66202739393a204966204920636f756c64206f6666657220796f75206f'
    + '6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73'
    + '637265656e20776f756c642062652069742e',
    '50515253c0c1c2c3c4c5c6c7',
    '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    [7, 0x4746454443424140n],
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6'
    + '3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36'
    + '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc'
    + '3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd060'
    + '0691');
  checkChaCha20Poly1305(
    '496e7465726e65742d4472616674732061726520647261667420646f63756d65'
    + '6e74732076616c696420666f722061206d6178696d756d206f6620736978206d'
    + '6f6e74687320616e64206d617920626520757064617465642c207265706c6163'
    + '65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65'
    + '6e747320617420616e792074696d652e20497420697320696e617070726f7072'
    + '6961746520746f2075736520496e7465726e65742d4472616674732061732072'
    + '65666572656e6365206d6174657269616c206f7220746f206369746520746865'
    + '6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67'
    + '726573732e2fe2809d',
    'f33388860000000000004e91',
    '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
    [0, 0x0807060504030201n],
    '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2'
    + '4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf'
    + '332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855'
    + '9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4'
    + 'b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e'
    + 'af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a'
    + '0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10'
    + '49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29'
    + 'a6ad5cb4022b02709beead9d67890cbb22392336fea1851f38');
  checkChaCha20Poly1305(
    '8d2d6a8befd9716fab35819eaac83b33269afb9f1a00fddf66095a6c0cd91951a6b7ad3db580be0674c3f0b55f618e34',
    '',
    '72ddc73f07101282bbbcf853b9012a9f9695fc5d36b303a97fd0845d0314e0c3',
    [0x3432b75f, 0xb3585537eb7f4024n],
    'f760b8224fb2a317b1b07875092606131232a5b86ae142df5df1c846a7f6341a'
    + 'f2564483dd77f836be45e6230808ffe402a6f0a3e8be074b3d1f4ea8a7b09451');
  checkChaCha20Poly1305(
    '',
    '36970d8a704c065de16250c18033de5a400520ac1b5842b24551e5823a3314f3'
    + '946285171e04a81ebfbe3566e312e74ab80e94c7dd2ff4e10de0098a58d0f503',
    '77adda51d6730b9ad6c995658cbd49f581b2547e7c0c08fcc24ceec797461021',
    [0x1f90da88, 0x75dafa3ef84471a4n],
    'aaae5bb81e8407c94b2ae86ae0c7efbe');
});

/** Core TestFSChaCha20Poly1305: message `msgIdx` of a fresh cipher (after msgIdx empty ones) encrypts and decrypts as published. */
function checkFSChaCha20Poly1305(plainHex: string, aadHex: string, keyHex: string, msgIdx: number, cipherHex: string): void {
  const plain = hex(plainHex);
  const aad = hex(aadHex);
  const key = hex(keyHex);
  const empty = new Uint8Array(0);
  const enc = new FSChaCha20Poly1305(key, 224);
  const dummyTags: Uint8Array[] = [];
  for (let i = 0; i < msgIdx; i++) dummyTags.push(enc.encrypt(empty, empty));
  assert.equal(bytesToHex(enc.encrypt(plain, aad)), cipherHex);
  const dec = new FSChaCha20Poly1305(key, 224);
  for (let i = 0; i < msgIdx; i++) assert.ok(dec.decrypt(dummyTags[i], empty), `dummy ${i} authenticates`);
  const decrypted = dec.decrypt(hex(cipherHex), aad);
  assert.ok(decrypted);
  assert.equal(bytesToHex(decrypted), plainHex);
}

test('Core crypto_tests FSChaCha20Poly1305: message 500 (with AAD) and message 60000 encrypt and decrypt as published', () => {
  checkFSChaCha20Poly1305(
    'd6a4cb04ef0f7c09c1866ed29dc24d820e75b0491032a51b4c3366f9ca35c19e'
    + 'a3047ec6be9d45f9637b63e1cf9eb4c2523a5aab7b851ebeba87199db0e839cf'
    + '0d5c25e50168306377aedbe9089fd2463ded88b83211cf51b73b150608cc7a60'
    + '0d0f11b9a742948482e1b109d8faf15b450aa7322e892fa2208c6691e3fecf4c'
    + '711191b14d75a72147',
    '786cb9b6ebf44288974cf0',
    '5c9e1c3951a74fba66708bf9d2c217571684556b6a6a3573bff2847d38612654',
    500,
    '9dcebbd3281ea3dd8e9a1ef7d55a97abd6743e56ebc0c190cb2c4e14160b385e'
    + '0bf508dddf754bd02c7c208447c131ce23e47a4a14dfaf5dd8bc601323950f75'
    + '4e05d46e9232f83fc5120fbbef6f5347a826ec79a93820718d4ec7a2b7cfaaa4'
    + '4b21e16d726448b62f803811aff4f6d827ed78e738ce8a507b81a8ae13131192'
    + '8039213de18a5120dc9b7370baca878f50ff254418de3da50c');
  checkFSChaCha20Poly1305(
    '8349b7a2690b63d01204800c288ff1138a1d473c832c90ea8b3fc102d0bb3adc'
    + '44261b247c7c3d6760bfbe979d061c305f46d94c0582ac3099f0bf249f8cb234',
    '',
    '3bd2093fcbcb0d034d8c569583c5425c1a53171ea299f8cc3bbf9ae3530adfce',
    60000,
    '30a6757ff8439b975363f166a0fa0e36722ab35936abd704297948f45083f4d4'
    + '99433137ce931f7fca28a0acd3bc30f57b550acbc21cbd45bbef0739d9caf30c'
    + '14b94829deb27f0b1923a2af704ae5d6');
});

test('Core crypto_tests HKDF-SHA256-L32: the three RFC 5869 vectors truncated to 32 bytes (the KDF of deriveSessionKeys)', () => {
  const hkdf32 = (ikm: string, salt: string, info: string): string => bytesToHex(expand(sha256, extract(sha256, hex(ikm), hex(salt)), hex(info), 32));
  assert.equal(hkdf32('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', '000102030405060708090a0b0c', 'f0f1f2f3f4f5f6f7f8f9'),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf');
  assert.equal(hkdf32(
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f',
    '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
    'b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'),
  'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c');
  assert.equal(hkdf32('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', '', ''),
    '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
});
