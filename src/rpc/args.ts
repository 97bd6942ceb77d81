/**
 * Method signatures and argument handling the way Core's `RPCHelpMan` does it (src/rpc/util.cpp,
 * src/rpc/server.cpp): each method declares its arguments (name, JSON type, required or default);
 * named parameters are turned into positions (`transformNamedArguments`, including the `args` key
 * for mixing both); a wrong number of arguments answers RPC_MISC_ERROR with the method's help text,
 * and a wrong JSON type RPC_TYPE_ERROR "Wrong type passed" naming each position. The same
 * declarations render `help` and `help <method>`.
 */
import { RpcError, RpcErrorCode } from './errors.js';
import { jsonTypeName } from './json.js';

/** JSON type of an argument (Core RPCArg::Type, reduced to what Peerbook's methods use). */
export type ArgType = 'string' | 'number' | 'boolean' | 'object' | 'array';

/** One declared argument (Core `RPCArg`). */
export interface ArgSpec {
  /** Core `m_names`: the name, or aliases separated by `|`. */
  name: string;
  /** Expected JSON type. */
  type: ArgType;
  /** Must be given (Core `RPCArg::Optional::NO`). */
  required?: boolean;
  /** Text after "default=" in help (Core `Default` or `DefaultHint`); absent for plain optional args. */
  defaultText?: string;
  /** Not shown in help; this and every later argument (Core `RPCArgOptions::hidden`). */
  hidden?: boolean;
  /** What it means. */
  description: string;
}

/** A method's signature and documentation (Core `RPCHelpMan` minus the function). */
export interface MethodSpec {
  /** The method name. */
  name: string;
  /** Help category: "control", "network", or "hidden" (callable, not listed by `help`). */
  category: 'control' | 'network' | 'hidden';
  /** What it does (first line of `help <method>` after the usage line). */
  description: string;
  /** Declared arguments in position order. */
  args: readonly ArgSpec[];
  /** The result, for `help <method>`. */
  result: string;
}

const JSON_TYPE_OF: Record<ArgType, string> = {
  string: 'string', number: 'number', boolean: 'bool', object: 'object', array: 'array',
};

const HELP_TYPE_OF: Record<ArgType, string> = {
  string: 'string', number: 'numeric', boolean: 'boolean', object: 'json object', array: 'json array',
};

/** The first of an argument's names (Core `GetFirstName`). */
export function firstName(arg: ArgSpec): string {
  return arg.name.split('|')[0];
}

/** Core `RPCHelpMan::ToString` one-line summary, e.g. `setban "subnet" "command" ( bantime absolute )`. */
export function usageLine(spec: MethodSpec): string {
  let line = spec.name;
  let wasOptional = false;
  for (const arg of spec.args) {
    if (arg.hidden) break;
    const optional = !arg.required;
    line += ' ';
    if (optional && !wasOptional) line += '( ';
    if (!optional && wasOptional) line += ') ';
    wasOptional = optional;
    line += arg.type === 'string' ? `"${firstName(arg)}"` : firstName(arg);
  }
  if (wasOptional) line += ' )';
  return line;
}

function describeArg(arg: ArgSpec): string {
  let text = `(${HELP_TYPE_OF[arg.type]}`;
  if (arg.required) text += ', required';
  else if (arg.defaultText !== undefined) text += `, optional, default=${arg.defaultText}`;
  else text += ', optional';
  return `${text}) ${arg.description}`;
}

/** Core `RPCHelpMan::ToString`: usage line, description, numbered arguments and the result. */
export function helpText(spec: MethodSpec): string {
  let text = `${usageLine(spec)}\n\n${spec.description.trim()}\n`;
  const visible = [];
  for (const arg of spec.args) {
    if (arg.hidden) break;
    visible.push(arg);
  }
  if (visible.length > 0) {
    const lefts = visible.map((a, i) => `${i + 1}. ${firstName(a)}`);
    const pad = Math.max(...lefts.map((l) => l.length)) + 4;
    text += '\nArguments:\n';
    visible.forEach((a, i) => { text += `${lefts[i].padEnd(pad)}${describeArg(a)}\n`; });
  }
  text += `\nResult:\n${spec.result}\n`;
  return text;
}

/**
 * Core `transformNamedArguments`: named parameters to positions by the declared names (aliases
 * allowed), null in the holes, and an optional `args` array giving the leading positions. Throws
 * RPC_INVALID_PARAMETER for an unknown name or a name also given by position.
 */
export function namedToPositional(spec: MethodSpec, named: Record<string, unknown>): unknown[] {
  const remaining = new Map(Object.entries(named));
  const out: unknown[] = [];
  let hole = 0;
  let initialHole = 0;
  let initialParam: string | undefined;
  for (const arg of spec.args) {
    const key = arg.name.split('|').find((n) => remaining.has(n));
    if (key !== undefined) {
      for (let i = 0; i < hole; i++) out.push(null);
      hole = 0;
      initialParam ??= arg.name;
      out.push(remaining.get(key));
      remaining.delete(key);
    } else {
      hole++;
      if (out.length === 0) initialHole = hole;
    }
  }
  const positional = remaining.get('args');
  if (Array.isArray(positional)) {
    remaining.delete('args');
    if (initialHole < positional.length && initialParam !== undefined) {
      throw new RpcError(RpcErrorCode.INVALID_PARAMETER, `Parameter ${initialParam} specified twice both as positional and named argument`);
    }
    const namedArgs = out.splice(0);
    out.push(...positional);
    for (let i = out.length; i < namedArgs.length; i++) out.push(namedArgs[i]);
  }
  const unknown = remaining.keys().next();
  if (!unknown.done) throw new RpcError(RpcErrorCode.INVALID_PARAMETER, `Unknown named parameter ${unknown.value}`);
  return out;
}

/** Core `RPCHelpMan::IsValidNumArgs`: at least up to the last required argument, at most all of them. */
export function isValidNumArgs(spec: MethodSpec, count: number): boolean {
  let required = 0;
  spec.args.forEach((a, i) => { if (a.required) required = i + 1; });
  return required <= count && count <= spec.args.length;
}

/**
 * Core `RPCHelpMan::HandleRequest` checks: the argument count (else RPC_MISC_ERROR with the help
 * text) and each argument's JSON type (else RPC_TYPE_ERROR listing every mismatch, as UniValue
 * writes it with a 4-space indent). Null is accepted for optional arguments.
 */
export function checkArgs(spec: MethodSpec, params: readonly unknown[]): void {
  if (!isValidNumArgs(spec, params.length)) throw new RpcError(RpcErrorCode.MISC_ERROR, helpText(spec));
  const mismatches: string[] = [];
  spec.args.forEach((arg, i) => {
    const value = params[i] ?? null;
    if (!arg.required && value === null) return;
    const got = jsonTypeName(value);
    const want = JSON_TYPE_OF[arg.type];
    if (got !== want) {
      mismatches.push(`    ${JSON.stringify(`Position ${i + 1} (${arg.name})`)}: ${JSON.stringify(`JSON value of type ${got} is not of expected type ${want}`)}`);
    }
  });
  if (mismatches.length > 0) {
    throw new RpcError(RpcErrorCode.TYPE_ERROR, `Wrong type passed:\n{\n${mismatches.join(',\n')}\n}`);
  }
}

/**
 * UniValue `getInt<T>()` on a value already type-checked as a number: the integer, or
 * RPC_MISC_ERROR "JSON integer out of range" when it is fractional or outside [min, max].
 */
export function toInteger(value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RpcError(RpcErrorCode.MISC_ERROR, 'JSON integer out of range');
  }
  return value;
}

/** Range of Core's `int` (getInt<int>). */
export const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 } as const;
/** Range of Core's `int64_t`, limited to integers a double holds exactly. */
export const INT64_SAFE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as const;
/** Range of Core's `uint16_t` (ports). */
export const UINT16 = { min: 0, max: 0xffff } as const;
