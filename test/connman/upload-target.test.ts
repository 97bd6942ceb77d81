/**
 * The upload target (Core -maxuploadtarget: net.cpp RecordBytesSent, OutboundTargetReached,
 * GetMaxOutboundTimeLeftInCycle, GetOutboundTargetBytesLeft; feature_maxuploadtarget.py), as a pure
 * object and through `PeerManager.uploadTargetInfo()`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BLOCK_SERIALIZED_SIZE, MAX_UPLOAD_TIMEFRAME_MS, UploadTarget } from '../../src/connman/upload-target.js';
import { peerOf, RawPeer, Sim, svc } from '../../src/sim/network.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;

test('a zero target means unlimited', () => {
  const u = new UploadTarget(0);
  u.record(10 ** 12, T0);
  assert.equal(u.reached(false, T0), false);
  assert.equal(u.reached(true, T0), false);
  assert.equal(u.bytesLeft(), 0);
  assert.equal(u.timeLeftInCycle(T0), 0);
  assert.equal(u.sent, 10 ** 12, 'bytes are still counted');
});

test('a cycle starts with the first byte sent and a new one starts once 24 h have passed', () => {
  const u = new UploadTarget(1_000_000);
  assert.equal(u.timeLeftInCycle(T0), MAX_UPLOAD_TIMEFRAME_MS, 'no cycle yet: a full one left');
  u.record(100, T0);
  assert.equal(u.timeLeftInCycle(T0 + HOUR), 23 * HOUR);
  u.record(50, T0 + MAX_UPLOAD_TIMEFRAME_MS);
  assert.equal(u.sent, 150, 'exactly 24 h later is still the same cycle');
  assert.equal(u.timeLeftInCycle(T0 + MAX_UPLOAD_TIMEFRAME_MS), 0);
  assert.equal(u.timeLeftInCycle(T0 + MAX_UPLOAD_TIMEFRAME_MS + HOUR), 0, 'never negative');
  u.record(10, T0 + MAX_UPLOAD_TIMEFRAME_MS + 1);
  assert.equal(u.sent, 10, 'a new cycle');
  assert.equal(u.timeLeftInCycle(T0 + MAX_UPLOAD_TIMEFRAME_MS + 1), MAX_UPLOAD_TIMEFRAME_MS);
  assert.equal(u.bytesLeft(), 1_000_000 - 10);
});

test('the target is reached when the bytes sent in the cycle reach it', () => {
  const u = new UploadTarget(1000);
  assert.equal(u.bytesLeft(), 1000);
  u.record(999, T0);
  assert.equal(u.reached(false, T0), false);
  assert.equal(u.bytesLeft(), 1);
  u.record(1, T0);
  assert.equal(u.reached(false, T0), true);
  assert.equal(u.bytesLeft(), 0);
  u.record(5000, T0);
  assert.equal(u.bytesLeft(), 0, 'never negative');
  assert.equal(u.reached(false, T0 + MAX_UPLOAD_TIMEFRAME_MS), true, 'until a byte is sent in a new cycle');
  u.record(1, T0 + MAX_UPLOAD_TIMEFRAME_MS + 1);
  assert.equal(u.reached(false, T0 + MAX_UPLOAD_TIMEFRAME_MS + 1), false);
});

test('serving historical blocks keeps a buffer of one 4 MB block per 10 minutes left in the cycle', () => {
  const limit = 800_000_000;
  const u = new UploadTarget(limit);
  u.record(1, T0);
  const buffer = (144 * MAX_BLOCK_SERIALIZED_SIZE); // 24 h left: 144 blocks
  u.record(limit - buffer - 2, T0);
  assert.equal(u.sent, limit - buffer - 1);
  assert.equal(u.reached(true, T0), false);
  u.record(1, T0);
  assert.equal(u.reached(true, T0), true, `historical limit at ${limit - buffer} bytes`);
  assert.equal(u.reached(false, T0), false, 'new blocks may still be served');
  // Only whole ten-minute periods count: with less than 24 h left the buffer is 143 blocks.
  assert.equal(u.reached(true, T0 + 1), false);
  assert.equal(u.reached(true, T0 + 10 * MIN), false);
  u.record(MAX_BLOCK_SERIALIZED_SIZE, T0 + 10 * MIN);
  assert.equal(u.reached(true, T0 + 10 * MIN), true, 'one more block reaches it again');
  assert.equal(u.reached(true, T0 + 10 * MIN + 1), false, 'and 142 blocks a moment later');
  // Near the end of the cycle the buffer is gone.
  const late = T0 + MAX_UPLOAD_TIMEFRAME_MS - 10 * MIN + 1;
  assert.equal(u.reached(true, late), false);
  u.record(limit - u.sent, late);
  assert.equal(u.reached(true, late), true);
  assert.equal(u.reached(false, late), true);
});

test('a target smaller than the buffer refuses historical blocks from the start', () => {
  const u = new UploadTarget(100 * MAX_BLOCK_SERIALIZED_SIZE);
  assert.equal(u.reached(true, T0), true);
  assert.equal(u.reached(false, T0), false);
});

test('uploadTargetInfo() follows the bytes sent to peers, cycle by cycle', async () => {
  const sim = new Sim();
  const me = sim.node('10.1.1.1', { maxUploadTarget: 20_000 });
  const unlimited = sim.node('10.2.2.2');
  await sim.startAll();
  const raw = await RawPeer.dial(sim, '60.0.0.1', svc('10.1.1.1'));
  await sim.run(1_000);
  let info = me.uploadTargetInfo();
  const sent = me.totals().bytesSent;
  assert.ok(sent > 0);
  assert.deepEqual(info, {
    timeframeS: 86_400, target: 20_000, targetReached: false, serveHistoricalBlocks: false,
    bytesLeftInCycle: 20_000 - sent, timeLeftInCycleS: 86_400 - 1,
  });
  me.send(peerOf(me, raw).id, { type: 'unknown', command: 'block', payload: new Uint8Array(30_000) });
  info = me.uploadTargetInfo();
  assert.equal(info.targetReached, true);
  assert.equal(info.bytesLeftInCycle, 0);
  assert.equal(me.outboundTargetReached(false), true);
  await sim.fastForward(25 * 3600_000);
  info = me.uploadTargetInfo();
  assert.equal(info.targetReached, false, 'a new cycle began');
  assert.ok(info.bytesLeftInCycle > 10_000 && info.bytesLeftInCycle < 20_000, `${info.bytesLeftInCycle} left`);
  assert.ok(info.timeLeftInCycleS > 22 * 3600, 'the new cycle started with the first byte after the old one ended');
  assert.deepEqual(unlimited.uploadTargetInfo(), {
    timeframeS: 86_400, target: 0, targetReached: false, serveHistoricalBlocks: true, bytesLeftInCycle: 0, timeLeftInCycleS: 0,
  });
  await sim.stopAll();
});
