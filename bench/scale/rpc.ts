/**
 * Request/response over a child process's IPC channel, both ends: the orchestrator `call`s a command
 * with one JSON argument; the child's `serveRpc` handler answers with one JSON result or an error
 * message. Requests carry ids so several can be in flight; a child that exits fails every pending call.
 */
import type { ChildProcess } from 'node:child_process';

interface Request {
  rpc: 'req';
  id: number;
  cmd: string;
  arg: unknown;
}
interface Response {
  rpc: 'res';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** A command handler of the child: argument in, JSON-serialisable result out. */
export type RpcHandlers = Record<string, (arg: never) => unknown>;

/** In the child: answers requests from the parent with `handlers`; exits when the channel closes. */
export function serveRpc(handlers: RpcHandlers): void {
  if (!process.send) throw new Error('serveRpc: this process has no IPC channel (start it with an ipc stdio)');
  process.on('message', (raw: unknown) => {
    const req = raw as Request;
    if (req?.rpc !== 'req') return;
    const reply = (res: Omit<Response, 'rpc' | 'id'>): void => {
      process.send?.({ rpc: 'res', id: req.id, ...res });
    };
    const handler = handlers[req.cmd];
    if (!handler) {
      reply({ ok: false, error: `unknown command ${req.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(req.arg as never))
      .then((value) => reply({ ok: true, value }), (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }));
  });
  process.on('disconnect', () => process.exit(0));
}

/** In the parent: calls commands of one child. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; cmd: string }>();
  private exited: string | undefined;

  /** @param child a process started with an `ipc` stdio entry; @param name for error messages. */
  constructor(private readonly child: ChildProcess, readonly name: string) {
    child.on('message', (raw: unknown) => {
      const res = raw as Response;
      if (res?.rpc !== 'res') return;
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.value);
      else p.reject(new Error(`${name} ${p.cmd}: ${res.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${signal ?? `code ${code}`})`;
      for (const p of this.pending.values()) p.reject(new Error(`${this.exited} during ${p.cmd}`));
      this.pending.clear();
    });
  }

  /** Sends `cmd` with `arg`; resolves with the child's result. */
  call<T>(cmd: string, arg: unknown = null): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}; cannot run ${cmd}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, cmd });
      this.child.send({ rpc: 'req', id, cmd, arg } satisfies Request);
    });
  }

  /** Resolves when the child has exited (at once if it already has). */
  waitExit(): Promise<void> {
    if (this.exited || this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}
