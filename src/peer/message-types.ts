/**
 * Core's list of protocol message types (protocol.cpp `ALL_NET_MESSAGE_TYPES`). Per-message byte
 * counters are kept for these names only; anything else is counted under `*other*`, as Core does, so a
 * peer inventing commands cannot grow the counter map.
 */
export const ALL_NET_MESSAGE_TYPES: readonly string[] = [
  'version', 'verack', 'addr', 'addrv2', 'sendaddrv2', 'inv', 'getdata', 'merkleblock', 'getblocks',
  'getheaders', 'tx', 'headers', 'block', 'getaddr', 'mempool', 'ping', 'pong', 'notfound', 'filterload',
  'filteradd', 'filterclear', 'sendheaders', 'feefilter', 'sendcmpct', 'cmpctblock', 'getblocktxn',
  'blocktxn', 'getcfilters', 'cfilter', 'getcfheaders', 'cfheaders', 'getcfcheckpt', 'cfcheckpt',
  'wtxidrelay', 'sendtxrcncl',
];

/** Counter key for unknown message types (Core NET_MESSAGE_TYPE_OTHER). */
export const NET_MESSAGE_TYPE_OTHER = '*other*';

const KNOWN = new Set(ALL_NET_MESSAGE_TYPES);

/** The counter key for a command: itself if Core knows it, else `*other*`. */
export function counterKey(command: string): string {
  return KNOWN.has(command) ? command : NET_MESSAGE_TYPE_OTHER;
}
