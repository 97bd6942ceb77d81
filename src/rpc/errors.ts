/**
 * JSON-RPC error codes and HTTP status codes with Bitcoin Core's numbers (src/rpc/protocol.h), and the
 * typed error every RPC handler throws: `RpcError` carries the Core code the client sees.
 */
import { PeerbookError } from '../util/errors.js';

/** Core `RPCErrorCode` values Peerbook uses (src/rpc/protocol.h). */
export const RpcErrorCode = {
  /** Standard JSON-RPC 2.0: the request is not a valid request object. */
  INVALID_REQUEST: -32600,
  /** Standard JSON-RPC 2.0: no such method. */
  METHOD_NOT_FOUND: -32601,
  /** Standard JSON-RPC 2.0: invalid parameters (Core uses it for disconnectnode's "Only one of …"). */
  INVALID_PARAMS: -32602,
  /** Standard JSON-RPC 2.0: internal error. */
  INTERNAL_ERROR: -32603,
  /** Standard JSON-RPC 2.0: the body is not JSON. */
  PARSE_ERROR: -32700,
  /** Core RPC_MISC_ERROR: an exception in a handler (also: wrong number of arguments, with the help text). */
  MISC_ERROR: -1,
  /** Core RPC_TYPE_ERROR: an argument of the wrong JSON type. */
  TYPE_ERROR: -3,
  /** Core RPC_OUT_OF_MEMORY. */
  OUT_OF_MEMORY: -7,
  /** Core RPC_INVALID_PARAMETER. */
  INVALID_PARAMETER: -8,
  /** Core RPC_CLIENT_NOT_CONNECTED. */
  CLIENT_NOT_CONNECTED: -9,
  /** Core RPC_CLIENT_NODE_ALREADY_ADDED (also "IP/Subnet already banned"). */
  CLIENT_NODE_ALREADY_ADDED: -23,
  /** Core RPC_CLIENT_NODE_NOT_ADDED. */
  CLIENT_NODE_NOT_ADDED: -24,
  /** Core RPC_IN_WARMUP. */
  IN_WARMUP: -28,
  /** Core RPC_CLIENT_NODE_NOT_CONNECTED. */
  CLIENT_NODE_NOT_CONNECTED: -29,
  /** Core RPC_CLIENT_INVALID_IP_OR_SUBNET. */
  CLIENT_INVALID_IP_OR_SUBNET: -30,
  /** Core RPC_CLIENT_P2P_DISABLED. */
  CLIENT_P2P_DISABLED: -31,
  /** Core RPC_CLIENT_NODE_CAPACITY_REACHED. */
  CLIENT_NODE_CAPACITY_REACHED: -34,
} as const;

/** HTTP status codes Core's RPC server answers with (src/rpc/protocol.h HTTPStatusCode). */
export const HttpStatus = {
  OK: 200,
  NO_CONTENT: 204,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_METHOD: 405,
  /** Not in Core's list; libevent answers it for bodies over evhttp's max body size. */
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

/** A JSON-RPC error with Core's code (`rpcCode`) and message, as the client will see it. */
export class RpcError extends PeerbookError {
  /** The JSON-RPC error code (e.g. -8 for RPC_INVALID_PARAMETER). */
  readonly rpcCode: number;

  /** @param rpcCode Core's error code; @param message Core's wording. */
  constructor(rpcCode: number, message: string, options?: { cause?: unknown }) {
    super('ERR_RPC', message, options);
    this.rpcCode = rpcCode;
  }

  /** The JSON-RPC error object `{code, message}`. */
  toJSON(): { code: number; message: string } {
    return { code: this.rpcCode, message: this.message };
  }
}

/** A bad `RpcServer` option (code `ERR_RPC_CONFIG`), e.g. no password and nowhere to write a cookie. */
export class RpcConfigError extends PeerbookError {
  /** @param message what is wrong with which option. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RPC_CONFIG', message, options);
  }
}
