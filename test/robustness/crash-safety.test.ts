/**
 * Crash safety of peers.dat: a real child process runs the daemon's save path in a loop
 * (support/peers-dat-saver.ts: DataDirectory.ensure at start-up, then saveAddrMan over three
 * generations of different sizes) and is killed with SIGKILL at a random moment, again and again —
 * 20 times in CI, 200 with PEERBOOK_FULL=1. After every kill the file must load, and its bytes must be
 * exactly one generation (old or new content, never a mix). Because every restart cleans up, at most one
 * temporary file (the last kill's) is ever left over; how many writes the kills interrupted is reported.
 *
 * Kill moments come from a seeded generator (PEERBOOK_CRASH_SEED), uniform over a window three times
 * the duration of one save (measured by the saver), so kills land before, inside and between writes.
 * On a busy machine a random window alone may never outlast a save, or always do; so, whatever the load,
 * every fourth round kills at once when the saver is ready (before any write) and every fourth round
 * only after its first completed save (the file has moved on) — both kinds are asserted to occur.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetAddress } from '../../src/address/netaddress.js';
import { NetService } from '../../src/address/service.js';
import { AddrMan } from '../../src/addrman/index.js';
import { VirtualClock } from '../../src/util/clock.js';
import { ChaChaRandom } from '../../src/util/random.js';
import { REGTEST } from '../../src/wire/params.js';
import { FuzzRng } from '../fuzz/rng.js';
import { tempDirFor } from '../support/tmp.js';

const FULL = process.env.PEERBOOK_FULL === '1';
const KILLS = Number(process.env.PEERBOOK_CRASH_KILLS ?? (FULL ? 200 : 20));
const SEED = process.env.PEERBOOK_CRASH_SEED ?? 'crash-1';
/** Generations written in turn: different sizes, so a mix of two could not pass for either. */
const GENERATION_ENTRIES = [300, 1000, 2500];
const SAVER = fileURLToPath(new URL('./support/peers-dat-saver.js', import.meta.url));
const TEMP_NAME = /^peers\.[0-9a-f]{4}$/;
/** Cap of the save-duration estimate that sets the kill window, ms. */
const MAX_SAVE_ESTIMATE_MS = 5_000;

function generation(entries: number, seed: string): Uint8Array {
  const clock = new VirtualClock(1_700_000_000_000);
  const man = new AddrMan({ clock, random: ChaChaRandom.fromSeed(seed) });
  for (let i = 0; man.size() < entries; i++) {
    const addr = NetAddress.ipv4(Uint8Array.of(40 + (i % 120), i & 0xff, (i >> 8) & 0xff, seed.length));
    man.add([{ service: new NetService(addr, 8333), services: 9n, time: clock.nowSeconds() - i }], NetAddress.ipv4(Uint8Array.of(7, i & 0xff, (i >> 8) & 0xff, 1)));
    if (i % 5 === 0) man.good(new NetService(addr, 8333));
  }
  return man.serialize(REGTEST.magic);
}

interface Round { savesCompleted: number; removedAtStart: number; stderr: string; saveMs: number[] }

/** When a round's kill timer starts: when the saver is ready, or when it reports its first completed save. */
type KillAfter = 'ready' | 'first-save';

/** Starts a saver at generation `first`, kills it `delayMs` after `after`; reports what it did. */
function killRound(dir: string, first: number, files: string[], delayMs: number, after: KillAfter): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = fork(SAVER, [dir, String(first), ...files], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    let removedAtStart = 0;
    const saveMs: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    child.on('message', (m: { ready?: boolean; removed?: number; saved?: number; ms?: number }) => {
      if (m.ready) {
        removedAtStart = m.removed ?? 0;
        if (after === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      } else if (m.saved !== undefined) {
        saveMs.push(m.ms ?? 0);
        if (after === 'first-save' && saveMs.length === 1) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`saver exited with ${code ?? signal} before it was killed: ${stderr}`));
        return;
      }
      resolve({ savesCompleted: saveMs.length, removedAtStart, stderr, saveMs });
    });
  });
}

test(`a process saving peers.dat killed with SIGKILL at ${KILLS} random moments always leaves a file that loads, old or new, never a mix`, async (t) => {
  const dir = await tempDirFor(t, 'crash-safety');
  const fixtures = await tempDirFor(t, 'crash-generations');
  const generations = GENERATION_ENTRIES.map((n, i) => generation(n, `gen-${i}-${'x'.repeat(i + 1)}`));
  const files: string[] = [];
  for (const [i, bytes] of generations.entries()) {
    files.push(path.join(fixtures, `gen${i}.dat`));
    await writeFile(files[i], bytes);
  }
  const known = new Map(generations.map((g, i) => [Buffer.from(g).toString('base64'), i]));
  await writeFile(path.join(dir, 'peers.dat'), generations[0]);
  const rng = new FuzzRng(SEED);
  let saveMs = 50;
  let measured = false;
  let interrupted = 0;
  let mostTemps = 0;
  const seen = new Map<number, number>();
  let completedSaves = 0;
  let current = 0;
  let roundsLeavingOld = 0;
  let roundsLeavingNew = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    // The saver starts at the generation after the file's, so any completed save changes the file.
    const first = (current + 1) % files.length;
    const window = Math.max(1, Math.round(3 * saveMs));
    const round = kill % 4 === 1 ? await killRound(dir, first, files, 0, 'ready')
      : kill % 4 === 3 ? await killRound(dir, first, files, rng.below(Math.max(1, Math.round(saveMs / 2))), 'first-save')
        : await killRound(dir, first, files, rng.below(window), 'ready');
    // The kill window follows the measured save time; until a save has been measured (a busy machine),
    // each round without one doubles the guess.
    for (const ms of round.saveMs) {
      saveMs = measured ? 0.8 * saveMs + 0.2 * ms : ms;
      measured = true;
    }
    if (!measured) saveMs = Math.min(2 * saveMs, MAX_SAVE_ESTIMATE_MS);
    completedSaves += round.savesCompleted;
    interrupted += round.removedAtStart;
    const bytes = await readFile(path.join(dir, 'peers.dat'));
    const which = known.get(bytes.toString('base64'));
    assert.notEqual(which, undefined, `kill ${kill} (seed ${SEED}): peers.dat (${bytes.length} bytes) is none of the generations`);
    AddrMan.deserialize(bytes, REGTEST.magic, { clock: new VirtualClock(), random: ChaChaRandom.fromSeed('check') });
    seen.set(which!, (seen.get(which!) ?? 0) + 1);
    if (which === current) roundsLeavingOld++; else roundsLeavingNew++;
    current = which!;
    const temps = (await readdir(dir)).filter((n) => TEMP_NAME.test(n)).length;
    mostTemps = Math.max(mostTemps, temps);
    assert.ok(temps <= 1, `kill ${kill}: ${temps} temporary files left (start-up removes them, so only the last kill's may remain)`);
  }
  t.diagnostic(`${KILLS} kills (seed ${SEED}), ${completedSaves} saves completed between them, mean save ${saveMs.toFixed(1)} ms; ` +
    `file after each kill by generation: ${JSON.stringify(Object.fromEntries(seen))}; rounds leaving the old / a new file: ${roundsLeavingOld} / ${roundsLeavingNew}; ` +
    `writes interrupted after their temporary file existed (removed at the next start): ${interrupted}; most temporary files at once: ${mostTemps}`);
  assert.ok(roundsLeavingOld > 0 && roundsLeavingNew > 0,
    `kills landed both before a write completed (${roundsLeavingOld} rounds left the old file) and after (${roundsLeavingNew} left a new one)`);
  assert.ok(seen.size >= 2, 'the file went through more than one generation');
});
