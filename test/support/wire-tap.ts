/**
 * A wire tap for integration tests: a TCP forwarder on 127.0.0.1 that passes bytes unchanged between
 * a client and a target on 127.0.0.1 and decodes both directions with Peerbook's frame and message
 * codecs, so a test can check what two real implementations said to each other and in what order
 * (e.g. that `sendaddrv2` went out before `verack`). Decoding never alters or delays the stream.
 */
import net from 'node:net';
import { FrameDecoder } from '../../src/wire/frame.js';
import { decodeMessage, type Message } from '../../src/wire/messages.js';
import { REGTEST } from '../../src/wire/params.js';

/** Which way a frame went. */
export type TapDirection = 'from-client' | 'from-target';

/** One frame seen on the tapped connection. */
export interface TappedFrame {
  /** Index of the tapped connection (0 for the first accepted). */
  connection: number;
  /** Which side sent it. */
  direction: TapDirection;
  /** Command string. */
  command: string;
  /** Decoded message, or undefined if it did not decode. */
  message: Message | undefined;
}

/** A forwarding tap on 127.0.0.1. */
export class WireTap {
  /** Every frame seen, in arrival order per direction. */
  readonly frames: TappedFrame[] = [];
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  /** Starts a tap on 127.0.0.1:0 that forwards every accepted connection to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number, magic: Uint8Array = REGTEST.magic): Promise<WireTap> {
    let tap: WireTap | undefined;
    const server = net.createServer((client) => tap!.accept(client, targetPort, magic));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    tap = new WireTap(server, (server.address() as net.AddressInfo).port);
    return tap;
  }

  private accept(client: net.Socket, targetPort: number, magic: Uint8Array): void {
    const id = this.connections++;
    const target = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    client.setNoDelay(true);
    for (const s of [client, target]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    const wire = (from: net.Socket, to: net.Socket, direction: TapDirection): void => {
      const decoder = new FrameDecoder(magic);
      let broken = false;
      from.on('data', (chunk: Buffer) => {
        if (!broken) {
          try {
            for (const f of decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
              let message: Message | undefined;
              try { message = decodeMessage(f.command, f.payload); } catch { message = undefined; }
              this.frames.push({ connection: id, direction, command: f.command, message });
            }
          } catch {
            broken = true; // keep forwarding; just stop decoding
          }
        }
        to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('close', () => to.destroy());
    };
    wire(client, target, 'from-client');
    wire(target, client, 'from-target');
  }

  /** Commands one side sent on one connection, in order. */
  commands(direction: TapDirection, connection = 0): string[] {
    return this.frames.filter((f) => f.direction === direction && f.connection === connection).map((f) => f.command);
  }

  /** Messages one side sent on one connection. */
  messages(direction: TapDirection, connection = 0): Message[] {
    return this.frames.filter((f) => f.direction === direction && f.connection === connection && f.message).map((f) => f.message!);
  }

  /** Stops listening and closes every tapped connection. Idempotent. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }
}
