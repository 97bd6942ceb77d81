/**
 * When a primary peer may be dialed again, as pure functions of the reservation time, the number of
 * consecutive failures and a `Random` draw.
 *
 * commonware (`Record::reserve`): the next dial is `cooldown + jitter` after the last reservation, the
 * jitter uniform in [0, cooldown/2], so peers restarting together do not dial in lock-step. We add a
 * backoff: each consecutive failure doubles the cooldown, up to MAX_DIAL_BACKOFF_MS, so an unreachable
 * member of a large set costs little; a successful connection resets it.
 */
import type { Random } from '../util/random.js';
import { MAX_DIAL_BACKOFF_MS } from './constants.js';

/** The interval after a reservation with `failures` consecutive failed dials behind it (no jitter). */
export function dialIntervalMs(cooldownMs: number, failures: number, maxBackoffMs = MAX_DIAL_BACKOFF_MS): number {
  const doubled = cooldownMs * 2 ** Math.min(failures, 30);
  return Math.max(cooldownMs, Math.min(doubled, maxBackoffMs));
}

/** Uniform jitter in [0, cooldown/2] ms. */
export function dialJitterMs(cooldownMs: number, random: Pick<Random, 'randrange'>): number {
  return random.randrange(Math.floor(cooldownMs / 2) + 1);
}

/** When the next dial may start: reservation time + interval + jitter. */
export function nextDialAtMs(reservedAtMs: number, cooldownMs: number, failures: number, random: Pick<Random, 'randrange'>, maxBackoffMs = MAX_DIAL_BACKOFF_MS): number {
  return reservedAtMs + dialIntervalMs(cooldownMs, failures, maxBackoffMs) + dialJitterMs(cooldownMs, random);
}
