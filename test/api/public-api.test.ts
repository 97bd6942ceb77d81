/**
 * The public API is a deliberate list (src/index.ts), recorded in etc/peerbook.api.md by Microsoft's
 * API Extractor from the compiled declarations. This test fails when the exported surface changes
 * without the report being updated. To change the API on purpose: `npm run api:report`, review the
 * diff of etc/peerbook.api.md, and commit it with the change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import * as api from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('the exported API matches the committed report etc/peerbook.api.md', async () => {
  const config = ExtractorConfig.loadFileAndPrepare(`${ROOT}api-extractor.json`);
  const messages: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: false,
    messageCallback: (m) => {
      messages.push(m.text);
      m.handled = true;
    },
  });
  const fresh = await readFile(`${ROOT}dist/api-report/peerbook.api.md`, 'utf8').catch(() => '(no report written)');
  assert.equal(result.apiReportChanged, false,
    'the public API differs from etc/peerbook.api.md (the new report is dist/api-report/peerbook.api.md). If the change is ' +
    'intended, run `npm run api:report` and commit etc/peerbook.api.md.\n' + messages.join('\n') + `\n${fresh.length} characters in the new report`);
  assert.equal(result.errorCount, 0, messages.join('\n'));
});

test('internals are not exported: hashing constants, codec helpers, the dashboard page, the manager\'s components', () => {
  for (const name of ['SHA256_K', 'SHA256_IV', 'murmur3', 'handleBody', 'DASHBOARD_HTML', 'SipHasher', 'RollingBloomFilter',
    'Dialer', 'PeerRegistry', 'PeerLifecycle', 'Inbound', 'AutomaticOutbound', 'ManualConnections', 'Persistence', 'assemble',
    'chooseOutboundAddress', 'resolveConfig', 'Sim', 'RawPeer']) {
    assert.equal(name in api, false, `${name} is exported`);
  }
  for (const name of ['PeerManager', 'AddrMan', 'NetAddress', 'NetService', 'encodeMessage', 'REGTEST', 'ConnectError', 'VirtualClock',
    'ChaChaRandom', 'RpcServer', 'createMetrics', 'startOperatorHttpServer', 'Crawler', 'Daemon']) {
    assert.equal(name in api, true, `${name} is missing`);
  }
});
