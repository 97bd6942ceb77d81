import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError, RpcErrorCode } from '../../src/rpc/errors.js';
import { handleBody, type Dispatcher, type JsonRpcRequest } from '../../src/rpc/jsonrpc.js';

/** A dispatcher with `echo` (returns its params), `fail` (RPC_INVALID_PARAMETER) and `boom` (plain Error). */
const calls: JsonRpcRequest[] = [];
const dispatch: Dispatcher = async (req) => {
  calls.push(req);
  if (req.method === 'echo') return req.params;
  if (req.method === 'fail') throw new RpcError(RpcErrorCode.INVALID_PARAMETER, 'bad value');
  if (req.method === 'boom') throw new Error('something broke');
  if (req.method === 'big') return 'x'.repeat(100);
  throw new RpcError(RpcErrorCode.METHOD_NOT_FOUND, 'Method not found');
};

const run = (body: unknown, limits = {}) => handleBody(typeof body === 'string' ? body : JSON.stringify(body), dispatch, limits);

test('a legacy request gets result and a null error, and the id back', async () => {
  const r = await run({ method: 'echo', params: [1, 'a'], id: 'x' });
  assert.equal(r.status, 200);
  assert.equal(r.body, '{"result":[1,"a"],"error":null,"id":"x"}\n');
});

test('"jsonrpc": "1.0" is treated as legacy', async () => {
  const r = await run({ jsonrpc: '1.0', method: 'echo', id: 1 });
  assert.equal(r.body, '{"result":[],"error":null,"id":1}\n');
});

test('a JSON-RPC 2.0 success has "jsonrpc" and "result" and no "error" key', async () => {
  const r = await run({ jsonrpc: '2.0', method: 'echo', params: [true], id: 7 });
  assert.equal(r.status, 200);
  assert.equal(r.body, '{"jsonrpc":"2.0","result":[true],"id":7}\n');
});

test('a JSON-RPC 2.0 error has "error" and no "result" key, with HTTP 200', async () => {
  const r = await run({ jsonrpc: '2.0', method: 'fail', id: 7 });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body!), { jsonrpc: '2.0', error: { code: -8, message: 'bad value' }, id: 7 });
  assert.equal('result' in JSON.parse(r.body!), false);
});

test('legacy errors set the HTTP status: 404 for an unknown method, 500 for others', async () => {
  const nf = await run({ method: 'nope', id: 1 });
  assert.equal(nf.status, 404);
  assert.equal(nf.body, '{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}\n');
  const bad = await run({ method: 'fail', id: 2 });
  assert.equal(bad.status, 500);
  assert.deepEqual(JSON.parse(bad.body!).error, { code: -8, message: 'bad value' });
});

test('an exception that is not an RpcError is answered RPC_MISC_ERROR with its message', async () => {
  const r = await run({ method: 'boom', id: 1 });
  assert.equal(r.status, 500);
  assert.deepEqual(JSON.parse(r.body!).error, { code: -1, message: 'something broke' });
});

test('a body that is not JSON is a parse error with id null and HTTP 500', async () => {
  const r = await run('{"method": ');
  assert.equal(r.status, 500);
  assert.equal(r.body, '{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}\n');
});

test('a JSON scalar at the top level is "Top-level object parse error"', async () => {
  const r = await run('42');
  assert.equal(r.status, 500);
  assert.deepEqual(JSON.parse(r.body!).error, { code: -32700, message: 'Top-level object parse error' });
});

test('invalid request objects get Core\'s messages, HTTP 400 and the id parsed before the problem', async () => {
  const cases: Array<[unknown, string]> = [
    [{ id: 5 }, 'Missing method'],
    [{ id: 5, method: 3 }, 'Method must be a string'],
    [{ id: 5, method: 'echo', params: 'x' }, 'Params must be an array or object'],
    [{ id: 5, method: 'echo', jsonrpc: 2 }, 'jsonrpc field must be a string'],
    [{ id: 5, method: 'echo', jsonrpc: '3.0' }, 'JSON-RPC version not supported'],
  ];
  for (const [body, message] of cases) {
    const r = await run(body);
    assert.equal(r.status, 400, message);
    assert.deepEqual(JSON.parse(r.body!), { result: null, error: { code: -32600, message }, id: 5 });
  }
});

test('a 2.0 request that fails to parse still gets the 2.0 shape', async () => {
  const r = await run({ jsonrpc: '2.0', id: 9 });
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body!), { jsonrpc: '2.0', error: { code: -32600, message: 'Missing method' }, id: 9 });
});

test('a request without an id gets a reply without an id', async () => {
  const r = await run({ method: 'echo' });
  assert.equal(r.body, '{"result":[],"error":null}\n');
});

test('a 2.0 notification is executed and answered 204 with no body, even when it fails', async () => {
  calls.length = 0;
  const ok = await run({ jsonrpc: '2.0', method: 'echo', params: [1] });
  assert.deepEqual(ok, { status: 204, body: undefined });
  const failed = await run({ jsonrpc: '2.0', method: 'fail' });
  assert.deepEqual(failed, { status: 204, body: undefined });
  assert.deepEqual(calls.map((c) => c.method), ['echo', 'fail']);
});

test('named parameters reach the dispatcher as an object; null params as an empty array', async () => {
  calls.length = 0;
  await run({ method: 'echo', params: { count: 3 }, id: 1 });
  await run({ method: 'echo', params: null, id: 1 });
  assert.deepEqual(calls.map((c) => c.params), [{ count: 3 }, []]);
});

test('a batch is answered in order with HTTP 200, each member in its own shape, errors included', async () => {
  const r = await run([
    { method: 'echo', params: [1], id: 1 },
    { jsonrpc: '2.0', method: 'fail', id: 2 },
    { method: 'nope', id: 3 },
    'not an object',
  ]);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body!), [
    { result: [1], error: null, id: 1 },
    { jsonrpc: '2.0', error: { code: -8, message: 'bad value' }, id: 2 },
    { result: null, error: { code: -32601, message: 'Method not found' }, id: 3 },
    { result: null, error: { code: -32600, message: 'Invalid Request object' }, id: null },
  ]);
});

test('notifications are left out of a batch reply; an all-notification batch is 204, an empty one []', async () => {
  const mixed = await run([{ jsonrpc: '2.0', method: 'echo' }, { jsonrpc: '2.0', method: 'echo', id: 'a' }]);
  assert.deepEqual(JSON.parse(mixed.body!), [{ jsonrpc: '2.0', result: [], id: 'a' }]);
  const all = await run([{ jsonrpc: '2.0', method: 'echo' }]);
  assert.deepEqual(all, { status: 204, body: undefined });
  const empty = await run([]);
  assert.deepEqual(empty, { status: 200, body: '[]\n' });
});

test('a batch over maxBatchSize is refused whole with RPC_INVALID_REQUEST and HTTP 400', async () => {
  calls.length = 0;
  const ok = await run(Array.from({ length: 3 }, (_, i) => ({ method: 'echo', id: i })), { maxBatchSize: 3 });
  assert.equal(JSON.parse(ok.body!).length, 3);
  calls.length = 0;
  const r = await run(Array.from({ length: 4 }, (_, i) => ({ method: 'echo', id: i })), { maxBatchSize: 3 });
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body!).error, { code: -32600, message: 'Batch of 4 requests is too large (limit 3)' });
  assert.equal(calls.length, 0, 'nothing in a refused batch runs');
});

test('once batch replies pass maxBatchResponseBytes the rest are refused with RPC_OUT_OF_MEMORY, not run', async () => {
  calls.length = 0;
  const r = await run(Array.from({ length: 5 }, (_, i) => ({ method: 'big', id: i })), { maxBatchResponseBytes: 300 });
  const replies = JSON.parse(r.body!);
  assert.equal(replies.length, 5);
  assert.deepEqual(replies.map((x: any) => x.error?.code ?? null), [null, null, null, -7, -7]);
  assert.equal(calls.length, 3);
});

/** An array nested `levels` deep: [[[…]]]. */
function nested(levels: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < levels; i++) v = [v];
  return v;
}

test('a request nested deeper than 512 levels (its id) is a parse error, and the method never runs', async () => {
  const before = calls.length;
  const r = await run({ method: 'echo', params: ['setban-like side effect'], id: nested(600) });
  assert.equal(calls.length, before, 'dispatched');
  assert.equal(r.status, 500);
  assert.equal(r.body, '{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}\n');
});

test('a batch member nested too deep fails the whole body as a parse error, before any member runs', async () => {
  const before = calls.length;
  const r = await run([{ method: 'echo', id: 1 }, { method: 'echo', id: nested(600) }]);
  assert.equal(calls.length, before);
  assert.equal(JSON.parse(r.body!).error.code, -32700);
});

test('an id nested as deep as Core allows (511 levels inside the request) is echoed back', async () => {
  const id = nested(511);
  const r = await run({ jsonrpc: '2.0', method: 'echo', id });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body!).id, id);
});

test('a result that cannot be serialised is answered with a JSON-RPC error, not an empty HTTP 500', async () => {
  const deep: Dispatcher = async () => nested(600);
  const legacy = await handleBody(JSON.stringify({ method: 'x', id: 1 }), deep);
  assert.equal(legacy.status, 500);
  assert.equal(JSON.parse(legacy.body!).error.code, RpcErrorCode.INTERNAL_ERROR);
  assert.equal(JSON.parse(legacy.body!).id, 1);
  const v2 = await handleBody(JSON.stringify({ jsonrpc: '2.0', method: 'x', id: 2 }), deep);
  assert.equal(v2.status, 200);
  assert.equal(JSON.parse(v2.body!).error.code, RpcErrorCode.INTERNAL_ERROR);
  const batch = await handleBody(JSON.stringify([{ method: 'x', id: 3 }]), deep);
  assert.equal(JSON.parse(batch.body!)[0].error.code, RpcErrorCode.INTERNAL_ERROR);
});
