/**
 * The JSON-RPC protocol layer, pure: a request body in, an HTTP status and body out, with a method
 * dispatcher called in between. It follows Core v28 (src/httprpc.cpp `HTTPReq_JSONRPC`,
 * src/rpc/request.cpp, src/rpc/server.cpp `JSONRPCExec`):
 *
 * - A request without `"jsonrpc"` (or with `"1.0"`) is legacy: the reply has both `result` and
 *   `error` (one of them null), and an error in a single request sets the HTTP status (400 for an
 *   invalid request, 404 for an unknown method, 500 otherwise).
 * - `"jsonrpc": "2.0"` gets a strict 2.0 reply: `"jsonrpc":"2.0"`, then `result` or `error`, never
 *   both, and HTTP 200 even for errors; a 2.0 request without `id` is a notification, executed but
 *   answered with 204 No Content.
 * - The reply carries `id` only when the request had one (a body that is not even JSON gets `id: null`).
 * - An array is a batch: each member answered in order (notifications left out), always HTTP 200,
 *   or 204 when every member was a notification.
 *
 * The whole request is validated before anything runs: a body nested deeper than MAX_JSON_DEPTH (512,
 * Core's univalue limit) is a parse error, as in Core, so a method never runs for a request whose reply
 * could not be written; and a reply that cannot be serialised still goes out as a JSON-RPC error
 * (RPC_INTERNAL_ERROR), never as an empty HTTP 500.
 *
 * Peerbook adds two bounds Core does not have: at most `maxBatchSize` members per batch (a larger
 * batch is refused whole with RPC_INVALID_REQUEST), and once a batch's replies pass
 * `maxBatchResponseBytes` the remaining members are answered RPC_OUT_OF_MEMORY instead of executed,
 * so one request cannot make the server build an unbounded reply.
 */
import { HttpStatus, RpcError, RpcErrorCode } from './errors.js';
import { jsonDepth, MAX_JSON_DEPTH, writeJson } from './json.js';

/** Most members of one batch request (Core has no limit; see the module comment). */
export const DEFAULT_MAX_BATCH_SIZE = 1_000;
/** Most bytes of batch replies built before the rest of the batch is refused (Core MAX_SIZE, 32 MiB). */
export const DEFAULT_MAX_BATCH_RESPONSE_BYTES = 0x0200_0000;

/** Which reply shape a request gets (Core `JSONRPCVersion`). */
export type JsonRpcVersion = 'legacy' | '2.0';

/** A parsed request object (Core `JSONRPCRequest` after `parse`). */
export interface JsonRpcRequest {
  /** The request's id; `hasId` false when the request had no `id` key. */
  id: unknown;
  /** Whether the request had an `id` key. */
  hasId: boolean;
  /** Reply shape. */
  version: JsonRpcVersion;
  /** Method name. */
  method: string;
  /** Positional (array) or named (object) parameters; `[]` when absent or null. */
  params: unknown[] | Record<string, unknown>;
}

/** Runs one method; throws `RpcError` (or any Error, answered as RPC_MISC_ERROR with its message). */
export type Dispatcher = (request: JsonRpcRequest) => Promise<unknown>;

/** What to send back: an HTTP status and a body (undefined for 204). */
export interface HttpReply {
  /** HTTP status code. */
  status: number;
  /** JSON text with a trailing newline, or undefined for an empty body. */
  body: string | undefined;
}

/** Limits of `handleBody`. */
export interface JsonRpcLimits {
  /** Most members per batch (default DEFAULT_MAX_BATCH_SIZE). */
  maxBatchSize?: number;
  /** Reply bytes after which the rest of a batch is refused (default DEFAULT_MAX_BATCH_RESPONSE_BYTES). */
  maxBatchResponseBytes?: number;
}

interface IdState {
  id: unknown;
  hasId: boolean;
  version: JsonRpcVersion;
}

/** Core `JSONRPCRequest::parse` failure: the error plus the id and version parsed before it. */
class RequestParseError extends Error {
  constructor(readonly error: RpcError, readonly state: IdState) {
    super(error.message);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Core `JSONRPCRequest::parse`: the id first (so later errors carry it), then `jsonrpc`, `method`,
 * `params`. Throws `RequestParseError` with RPC_INVALID_REQUEST and Core's messages.
 */
function parseRequest(value: unknown): JsonRpcRequest {
  const state: IdState = { id: null, hasId: true, version: 'legacy' };
  const fail = (message: string): never => {
    throw new RequestParseError(new RpcError(RpcErrorCode.INVALID_REQUEST, message), state);
  };
  if (!isPlainObject(value)) fail('Invalid Request object');
  const obj = value as Record<string, unknown>;
  state.hasId = Object.hasOwn(obj, 'id');
  state.id = state.hasId ? obj.id : undefined;
  const v = obj.jsonrpc;
  if (v !== undefined && v !== null) {
    if (typeof v !== 'string') fail('jsonrpc field must be a string');
    if (v === '2.0') state.version = '2.0';
    else if (v !== '1.0') fail('JSON-RPC version not supported');
  }
  const method = obj.method;
  if (method === undefined || method === null) fail('Missing method');
  if (typeof method !== 'string') fail('Method must be a string');
  const p = obj.params;
  let params: unknown[] | Record<string, unknown> = [];
  if (Array.isArray(p) || isPlainObject(p)) params = p;
  else if (p !== undefined && p !== null) fail('Params must be an array or object');
  return { id: state.id, hasId: state.hasId, version: state.version, method: method as string, params };
}

/** Core `JSONRPCReplyObj`: the reply object in the request's shape. */
export function replyObject(result: unknown, error: { code: number; message: string } | null, state: IdState): Record<string, unknown> {
  const reply: Record<string, unknown> = {};
  if (state.version === '2.0') reply.jsonrpc = '2.0';
  if (error === null) {
    reply.result = result ?? null;
    if (state.version === 'legacy') reply.error = null;
  } else {
    if (state.version === 'legacy') reply.result = null;
    reply.error = error;
  }
  if (state.hasId) reply.id = state.id ?? null;
  return reply;
}

function asRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(RpcErrorCode.MISC_ERROR, e instanceof Error ? e.message : String(e), { cause: e });
}

/** Core `JSONErrorReply`'s HTTP status for a legacy error: 400 invalid request, 404 unknown method, else 500. */
export function httpStatusFor(rpcCode: number): number {
  if (rpcCode === RpcErrorCode.INVALID_REQUEST) return HttpStatus.BAD_REQUEST;
  if (rpcCode === RpcErrorCode.METHOD_NOT_FOUND) return HttpStatus.NOT_FOUND;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function errorReply(error: RpcError, state: IdState): HttpReply {
  return { status: httpStatusFor(error.rpcCode), body: serialize(replyObject(null, error.toJSON(), state), state) + '\n' };
}

/**
 * The reply as JSON text; if it cannot be written (a result nested too deep: a bug, since requests are
 * depth-checked), an RPC_INTERNAL_ERROR reply for the same request instead.
 */
function serialize(reply: Record<string, unknown>, state: IdState): string {
  try {
    return writeJson(reply);
  } catch (e) {
    return writeJson(replyObject(null, unserialisable(e).toJSON(), state));
  }
}

function unserialisable(e: unknown): RpcError {
  return new RpcError(RpcErrorCode.INTERNAL_ERROR, `Reply could not be serialised: ${e instanceof Error ? e.message : String(e)}`);
}

/** Core `JSONRPCExec(jreq, catch_errors=true)`: the reply object, errors included. */
async function execCatching(req: JsonRpcRequest, dispatch: Dispatcher): Promise<Record<string, unknown>> {
  try {
    return replyObject(await dispatch(req), null, req);
  } catch (e) {
    return replyObject(null, asRpcError(e).toJSON(), req);
  }
}

/**
 * Handles one HTTP request body (already authorized): parses it, runs the request or batch through
 * `dispatch`, and returns the HTTP status and body Core would send.
 */
export async function handleBody(text: string, dispatch: Dispatcher, limits: JsonRpcLimits = {}): Promise<HttpReply> {
  const legacyNull: IdState = { id: null, hasId: true, version: 'legacy' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return errorReply(new RpcError(RpcErrorCode.PARSE_ERROR, 'Parse error'), legacyNull);
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    // Core: UniValue::read fails past MAX_JSON_DEPTH, so the whole body is a parse error and nothing runs.
    return errorReply(new RpcError(RpcErrorCode.PARSE_ERROR, 'Parse error'), legacyNull);
  }
  if (isPlainObject(value)) {
    let req: JsonRpcRequest;
    try {
      req = parseRequest(value);
    } catch (e) {
      const pe = e as RequestParseError;
      return errorReply(pe.error, pe.state);
    }
    if (req.version === '2.0') {
      const reply = await execCatching(req, dispatch);
      if (!req.hasId) return { status: HttpStatus.NO_CONTENT, body: undefined };
      return { status: HttpStatus.OK, body: serialize(reply, req) + '\n' };
    }
    try {
      const result = await dispatch(req);
      try {
        return { status: HttpStatus.OK, body: writeJson(replyObject(result, null, req)) + '\n' };
      } catch (e) {
        return errorReply(unserialisable(e), req);
      }
    } catch (e) {
      return errorReply(asRpcError(e), req);
    }
  }
  if (Array.isArray(value)) {
    const maxSize = limits.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (value.length > maxSize) {
      return errorReply(new RpcError(RpcErrorCode.INVALID_REQUEST, `Batch of ${value.length} requests is too large (limit ${maxSize})`), legacyNull);
    }
    const maxBytes = limits.maxBatchResponseBytes ?? DEFAULT_MAX_BATCH_RESPONSE_BYTES;
    const parts: string[] = [];
    let bytes = 0;
    for (const member of value) {
      let req: JsonRpcRequest;
      try {
        req = parseRequest(member);
      } catch (e) {
        const pe = e as RequestParseError;
        parts.push(serialize(replyObject(null, pe.error.toJSON(), pe.state), pe.state));
        bytes += parts[parts.length - 1].length;
        continue;
      }
      let reply: Record<string, unknown>;
      if (bytes > maxBytes) {
        reply = replyObject(null, { code: RpcErrorCode.OUT_OF_MEMORY, message: `Batch response exceeds ${maxBytes} bytes; send fewer requests per batch` }, req);
      } else {
        reply = await execCatching(req, dispatch);
      }
      if (req.version === '2.0' && !req.hasId) continue;
      const part = serialize(reply, req);
      parts.push(part);
      bytes += part.length;
    }
    if (parts.length === 0 && value.length > 0) return { status: HttpStatus.NO_CONTENT, body: undefined };
    return { status: HttpStatus.OK, body: `[${parts.join(',')}]\n` };
  }
  return errorReply(new RpcError(RpcErrorCode.PARSE_ERROR, 'Top-level object parse error'), legacyNull);
}
