/**
 * RPC authentication as Core does it (src/httprpc.cpp, src/rpc/request.cpp): HTTP Basic with one
 * user:password pair, which is either configured (-rpcuser/-rpcpassword) or — when no password is
 * configured — a random cookie: `__cookie__:<64 hex digits>` written to `<datadir>/.cookie` (via a
 * `.cookie.tmp` renamed over it, mode 0600, no trailing newline) for local clients such as
 * `bitcoin-cli -rpccookiefile` to read, and deleted again on shutdown.
 *
 * The expected credential is kept only as a keyed SHA-256 digest, and a presented one is hashed with
 * the same key and compared in constant time, so neither the comparison's timing nor a memory dump of
 * the comparison reveals the password (Core stores an HMAC with a random salt for the same reason).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { RpcConfigError } from './errors.js';

/** Core COOKIEAUTH_USER. */
export const COOKIE_USER = '__cookie__';
/** Core COOKIEAUTH_FILE. */
export const COOKIE_FILE_NAME = '.cookie';
/** Random bytes in a cookie password (Core COOKIE_SIZE; written as 64 hex digits). */
export const COOKIE_BYTES = 32;
/** Mode of the cookie file: owner read/write only. */
export const COOKIE_FILE_MODE = 0o600;
/** Longest Authorization header value considered, characters (longer is refused unread). */
export const MAX_AUTH_HEADER_CHARS = 4_096;

/** How the server authenticates (Core -rpcuser, -rpcpassword, -rpccookiefile). */
export interface RpcAuthOptions {
  /** Where to write the cookie when no password is set (Core `<datadir>/.cookie`). */
  cookieFile?: string;
  /** User name for password authentication (Core -rpcuser; may be empty). */
  user?: string;
  /** Password; when empty or absent, cookie authentication is used (Core -rpcpassword). */
  password?: string;
}

/** The one accepted credential, held as a keyed digest. */
export class Credentials {
  private readonly key = randomBytes(32);
  private readonly expected: Buffer;

  /** @param userPass the accepted `user:password` text. */
  constructor(userPass: string) {
    this.expected = this.digest(userPass);
  }

  private digest(text: string): Buffer {
    return createHmac('sha256', this.key).update(text, 'utf8').digest();
  }

  /**
   * Core `RPCAuthorized`: true when `header` is `Basic <base64 of user:password>` with the accepted
   * pair. Returns the user name presented (for logging) alongside.
   */
  check(header: string | undefined): { ok: boolean; user: string | undefined } {
    if (header === undefined || header.length > MAX_AUTH_HEADER_CHARS || !header.startsWith('Basic ')) return { ok: false, user: undefined };
    const b64 = header.slice(6).trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) return { ok: false, user: undefined };
    const userPass = Buffer.from(b64, 'base64').toString('utf8');
    const colon = userPass.indexOf(':');
    if (colon < 0) return { ok: false, user: undefined };
    const user = userPass.slice(0, colon);
    return { ok: timingSafeEqual(this.digest(userPass), this.expected), user };
  }
}

/** A generated cookie and where it was written. */
export interface Cookie {
  /** The cookie file. */
  path: string;
  /** Its content, `__cookie__:<hex>`. */
  userPass: string;
}

/**
 * Core `GenerateAuthCookie`: a fresh random cookie written to `<path>.tmp` with mode 0600, then
 * renamed over `path`. Throws `RpcConfigError` when the file cannot be written.
 */
export async function writeCookie(path: string): Promise<Cookie> {
  const userPass = `${COOKIE_USER}:${randomBytes(COOKIE_BYTES).toString('hex')}`;
  const tmp = `${path}.tmp`;
  try {
    await rm(tmp, { force: true });
    await writeFile(tmp, userPass, { mode: COOKIE_FILE_MODE, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new RpcConfigError(`Unable to write cookie authentication file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return { path, userPass };
}

/** Core `DeleteAuthCookie`: removes the cookie this process wrote (a missing file is fine). */
export async function deleteCookie(cookie: Cookie): Promise<void> {
  await rm(cookie.path, { force: true });
}
