/** A typed wrapper over Node's EventEmitter: event names and listener arguments are checked. */
import { EventEmitter } from 'node:events';

/** Map of event name → listener argument tuple. */
export type EventMap = { [event: string]: unknown[] };

/** EventEmitter with typed `on`/`once`/`off`/`emit`. */
export class TypedEmitter<E extends EventMap> {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Listeners are few and owned by Peerbook's own components; the default warning at 10 would only mislead.
    this.emitter.setMaxListeners(0);
  }

  /** Subscribes to `event`. */
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Subscribes to the next `event` only. */
  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Unsubscribes. */
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Number of listeners for `event`. */
  listenerCount<K extends keyof E & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }

  /** Calls every listener of `event` synchronously. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return this.emitter.emit(event, ...args);
  }
}
