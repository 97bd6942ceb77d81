/**
 * Child process of the crash-safety test (test/robustness/crash-safety.test.ts): the daemon's peers.dat
 * save path in a loop, to be killed with SIGKILL at a random moment.
 *
 *   node peers-dat-saver.js <network dir> <first generation> <generation file>…
 *
 * It opens the data directory as the daemon does at start-up (`DataDirectory.ensure`, which also
 * removes temporary files of writes a previous kill interrupted), loads each generation file into an
 * AddrMan, reports the number of stale temporary files it removed, then saves the generations one after
 * another with `DataDirectory.saveAddrMan` — serialise, write a temporary file, fsync, rename, fsync the
 * directory — forever, telling the parent after each completed save and how long it took.
 */
import { readFile } from 'node:fs/promises';
import { AddrMan } from '../../../src/addrman/addrman.js';
import { DataDirectory } from '../../../src/connman/datadir.js';
import { MemoryLogger } from '../../../src/util/logger.js';
import { VirtualClock } from '../../../src/util/clock.js';
import { ChaChaRandom } from '../../../src/util/random.js';
import { REGTEST } from '../../../src/wire/params.js';

const [dir, first, ...generationFiles] = process.argv.slice(2);
const log = new MemoryLogger();
const datadir = new DataDirectory(dir, REGTEST.magic, log);
await datadir.ensure();
const removed = Number(/^Removed (\d+) temporary files/.exec(log.lines.find((l) => l.message.startsWith('Removed'))?.message ?? '')?.[1] ?? 0);
const generations: AddrMan[] = [];
for (const file of generationFiles) {
  generations.push(AddrMan.deserialize(await readFile(file), REGTEST.magic, { clock: new VirtualClock(), random: ChaChaRandom.fromSeed(file) }));
}
process.send?.({ ready: true, removed });
for (let i = Number(first); ; i++) {
  const start = performance.now();
  await datadir.saveAddrMan(generations[i % generations.length]);
  process.send?.({ saved: i % generations.length, ms: performance.now() - start });
}
