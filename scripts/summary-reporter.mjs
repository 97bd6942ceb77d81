// A short node:test reporter for `npm test`: a dot per passing test, the full detail of every
// failing test (name, file, error and stack), the reason of every skipped test, warnings the tests
// printed on stderr, and the run's counts at the end. The complete TAP stream is written alongside by
// scripts/run-tests.mjs (dist/test-results.tap) for when more detail is wanted. A dot stands for a
// passing top-level test.
import { inspect } from 'node:util';

/** Summary counters Node's runner reports at the end, in the order printed. */
const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];

function describeError(error) {
  if (!error) return '';
  // node:test wraps the thrown value in an ERR_TEST_FAILURE whose `cause` is what the test threw.
  const cause = error.code === 'ERR_TEST_FAILURE' && error.cause !== undefined ? error.cause : error;
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return inspect(cause, { depth: 4 });
}

function indent(text, prefix = '    ') {
  return text.split('\n').map((l) => prefix + l).join('\n');
}

/** The reporter: an async generator over the runner's events, yielding text. */
export default async function* summaryReporter(source) {
  const counts = new Map();
  const skipped = [];
  const warnings = [];
  let dots = 0;
  for await (const event of source) {
    const data = event.data ?? {};
    switch (event.type) {
      case 'test:pass':
        if (data.skip !== undefined && data.skip !== false) skipped.push(`${data.name}${typeof data.skip === 'string' ? `: ${data.skip}` : ''}`);
        if (data.nesting === 0) {
          dots++;
          yield dots % 60 === 0 ? '.\n' : '.';
        }
        break;
      case 'test:fail': {
        const error = data.details?.error;
        // A parent whose only fault is a failing subtest adds nothing: the subtest is reported itself.
        if (error?.failureType === 'subtestsFailed') break;
        const where = data.file ? ` (${data.file}${data.line ? `:${data.line}` : ''})` : '';
        yield `\n\nnot ok: ${data.name}${where}\n${indent(describeError(error))}\n`;
        break;
      }
      case 'test:stderr':
        if (/Warning|Error:/.test(data.message ?? '')) warnings.push(`${data.file ?? ''}: ${String(data.message).trimEnd()}`);
        break;
      case 'test:diagnostic':
        if (data.nesting === 0) {
          const m = /^(\w+) ([\d.]+)$/.exec(data.message ?? '');
          if (m && COUNTS.includes(m[1])) counts.set(m[1], m[2]);
        }
        break;
      default:
        break;
    }
  }
  if (dots % 60 !== 0) yield '\n';
  if (skipped.length > 0) yield `\nskipped:\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`;
  if (warnings.length > 0) yield `\nwarnings printed by tests:\n${warnings.map((w) => indent(w, '  ')).join('\n')}\n`;
  const line = COUNTS.filter((k) => counts.has(k)).map((k) => `${k} ${k === 'duration_ms' ? Math.round(Number(counts.get(k))) : counts.get(k)}`);
  yield `\n# ${line.join(', ')}\n`;
}
