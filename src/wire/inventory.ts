/**
 * Inventory vectors (Core `CInv`, protocol.h): a 32-bit type and a 32-byte hash, as carried by
 * `inv`, `getdata` and `notfound`.
 */
import { bytesToHex } from '../util/hex.js';

/** Core MSG_TX: a transaction by txid. */
export const MSG_TX = 1;
/** Core MSG_BLOCK: a block. */
export const MSG_BLOCK = 2;
/** Core MSG_FILTERED_BLOCK (BIP37, getdata only). */
export const MSG_FILTERED_BLOCK = 3;
/** Core MSG_CMPCT_BLOCK (BIP152, getdata only). */
export const MSG_CMPCT_BLOCK = 4;
/** Core MSG_WTX (BIP339): a transaction by wtxid. */
export const MSG_WTX = 5;
/** Core MSG_WITNESS_FLAG (BIP144): ORed into getdata types to ask for witness data. */
export const MSG_WITNESS_FLAG = 2 ** 30;
/** Core MSG_TYPE_MASK: the type without flag bits. */
export const MSG_TYPE_MASK = 0xffffffff >>> 2;
/** Core MSG_WITNESS_TX. */
export const MSG_WITNESS_TX = MSG_TX + MSG_WITNESS_FLAG;
/** Core MSG_WITNESS_BLOCK. */
export const MSG_WITNESS_BLOCK = MSG_BLOCK + MSG_WITNESS_FLAG;
/** Bytes of an inventory hash (uint256). */
export const INV_HASH_SIZE = 32;

/** One inventory entry. */
export interface InvEntry {
  /** Inventory type (uint32), e.g. MSG_TX. */
  type: number;
  /** The 32-byte hash in wire (internal) byte order. */
  hash: Uint8Array;
}

/** Core `CInv::GetMessageType` naming: "tx", "wtx", "block", "merkleblock", "cmpctblock", with a "witness-" prefix; undefined if unknown. */
export function invTypeName(type: number): string | undefined {
  const prefix = (type & MSG_WITNESS_FLAG) !== 0 ? 'witness-' : '';
  switch ((type >>> 0) & MSG_TYPE_MASK) {
    case MSG_TX: return `${prefix}tx`;
    case MSG_WTX: return `${prefix}wtx`;
    case MSG_BLOCK: return `${prefix}block`;
    case MSG_FILTERED_BLOCK: return `${prefix}merkleblock`;
    case MSG_CMPCT_BLOCK: return `${prefix}cmpctblock`;
    default: return undefined;
  }
}

/** A hash as Core prints a uint256 (`uint256::ToString`): hex of the bytes in reverse order. */
export function hashToDisplayHex(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}
