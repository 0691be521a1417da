// The import layering in biome.jsonc, run by the real Biome on files written where each layer lives:
// every bad import must be refused by the rule that guards it, and the imports each layer does use
// must pass. The fixtures go to a copy of the layout in a temporary folder, never into the repository.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/@biomejs/biome/bin/biome');
const LAYERING_RULES = ['style/noRestrictedImports', 'correctness/noNodejsModules', 'correctness/noProcessGlobal'];

/** Path in the repository's layout → its source, and the layering rules it must break (none: it must pass). */
const FIXTURES: Record<string, { source: string; breaks: string[] }> = {
  // The extension: no relay, no tools, no Node, no polyfill (lib/ext/native.ts), no classic zod (none anywhere).
  'lib/bad-relay-package.ts': { source: "export { createRelay } from 'switchboard-relay/relay';", breaks: ['style/noRestrictedImports'] },
  'components/BadRelaySource.tsx': {
    source: "export { SocketHub } from '../relay/src/socket-hub';",
    breaks: ['style/noRestrictedImports'],
  },
  'entrypoints/bad-node.ts': {
    source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;",
    breaks: ['correctness/noNodejsModules'],
  },
  'lib/status/bad-process.ts': { source: 'export const env = process.env;', breaks: ['correctness/noProcessGlobal'] },
  'lib/bad-tool.ts': { source: "export { createSandbox } from '../sandbox/server';", breaks: ['style/noRestrictedImports'] },
  'lib/bad-protocol-path.ts': { source: "export { CloseCode } from '../protocol/src/frames';", breaks: ['style/noRestrictedImports'] },
  'lib/bad-polyfill.ts': { source: "export { browser } from 'wxt/browser';", breaks: ['style/noRestrictedImports'] },
  'components/bad-zod.ts': { source: "export { z } from 'zod';", breaks: ['style/noRestrictedImports'] },
  'lib/good.ts': {
    source:
      "export { CloseCode } from '@switchboard/protocol/frames';\nexport { relayStateItem } from './relay/state';\nexport { browser } from './ext/native';\nexport * as z from 'zod/mini';",
    breaks: [],
  },
  // The relay: no extension code; its runtime code no tools either.
  'relay/src/bad-lib.ts': { source: "export { t } from '../../lib/i18n';", breaks: ['style/noRestrictedImports'] },
  'relay/src/bad-alias.ts': { source: "export { t } from '@/lib/i18n';", breaks: ['style/noRestrictedImports'] },
  'relay/src/bad-component.ts': { source: "export { Popup } from '../../components/Popup';", breaks: ['style/noRestrictedImports'] },
  'relay/src/bad-tool.ts': { source: "export { conversationEvent } from '../../sandbox/payloads';", breaks: ['style/noRestrictedImports'] },
  'relay/src/good.ts': {
    source:
      "import { createHash } from 'node:crypto';\nexport { CloseCode } from '@switchboard/protocol/frames';\nexport { sendJson } from './http';\nexport const h = createHash;",
    breaks: [],
  },
  'relay/src/bad-zod.ts': { source: "export { z } from 'zod';", breaks: ['style/noRestrictedImports'] },
  'relay/test/good.test.ts': { source: "export { conversationEvent } from '../../sandbox/payloads';", breaks: [] },
  // The relay's board page: browser code, the protocol by name; no relay code, no Node, no extension.
  'relay/board/bad-relay.ts': { source: "export { SocketHub } from '../src/socket-hub';", breaks: ['style/noRestrictedImports'] },
  'relay/board/bad-node.ts': {
    source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;",
    breaks: ['correctness/noNodejsModules'],
  },
  'relay/board/bad-process.ts': { source: 'export const env = process.env;', breaks: ['correctness/noProcessGlobal'] },
  'relay/board/bad-lib.ts': { source: "export { t } from '../../lib/i18n';", breaks: ['style/noRestrictedImports'] },
  'relay/board/test/good.test.ts': { source: "export { readFileSync } from 'node:fs';\nexport { SseParser } from '../sse';", breaks: [] },
  'relay/board/good.ts': {
    source:
      "export { BoardAgent } from '@switchboard/protocol/board';\nexport { render } from 'preact';\nexport { SseParser } from './sse';",
    breaks: [],
  },
  // The protocol: zod and its own files only.
  'protocol/src/bad-ws.ts': { source: "export { WebSocket } from 'ws';", breaks: ['style/noRestrictedImports'] },
  'protocol/src/bad-lib.ts': { source: "export { relayStateItem } from '../../lib/relay/state';", breaks: ['style/noRestrictedImports'] },
  'protocol/src/bad-relay.ts': { source: "export { createRelay } from 'switchboard-relay/relay';", breaks: ['style/noRestrictedImports'] },
  'protocol/src/bad-node.ts': {
    source: "import { createHash } from 'node:crypto';\nexport const h = createHash;",
    breaks: ['correctness/noNodejsModules', 'style/noRestrictedImports'],
  },
  'protocol/src/good.ts': {
    source: "import * as z from 'zod/mini';\nexport { CloseCode } from './frames';\nexport const s = z.string();",
    breaks: [],
  },
  // The tools: the relay through its package, the protocol by name.
  'sandbox/bad-relay-source.ts': { source: "export { createRelay } from '../relay/src/relay';", breaks: ['style/noRestrictedImports'] },
  'tests/bad-relay-test.ts': { source: "export { startRelay } from '../relay/test/helpers';", breaks: ['style/noRestrictedImports'] },
  'sandbox/bad-zod.ts': { source: "export { z } from 'zod';", breaks: ['style/noRestrictedImports'] },
  'protocol/src/bad-zod.ts': { source: "export { z } from 'zod';", breaks: ['style/noRestrictedImports'] },
  'bench/good.ts': {
    source: "export { createRelay } from 'switchboard-relay/relay';\nexport { CloseCode } from '@switchboard/protocol/frames';",
    breaks: [],
  },
};

let dir: string;
let found: Map<string, Set<string>>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-layering-'));
  copyFileSync(join(ROOT, 'biome.jsonc'), join(dir, 'biome.jsonc'));
  for (const [path, { source }] of Object.entries(FIXTURES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${source}\n`);
  }
  // The copy is no git checkout: Biome's VCS integration off, so every fixture is linted.
  const run = spawnSync(process.execPath, [BIOME, 'lint', '--vcs-enabled=false', '--colors=off', '--max-diagnostics=none', '.'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  found = new Map();
  for (const m of output.matchAll(/^(\S+):\d+:\d+ lint\/(\S+)/gm)) {
    const [, path, rule] = m as unknown as [string, string, string];
    if (!LAYERING_RULES.includes(rule)) continue;
    found.set(path, (found.get(path) ?? new Set()).add(rule));
  }
  // A run that checked nothing would make every "must pass" case pass.
  expect(output).toMatch(new RegExp(`Checked ${Object.keys(FIXTURES).length + 1} files`));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('import layering (biome.jsonc)', () => {
  for (const [path, { breaks }] of Object.entries(FIXTURES)) {
    it(breaks.length ? `${path} is refused: ${breaks.join(', ')}` : `${path} passes`, () => {
      expect([...(found.get(path) ?? [])].sort()).toEqual([...breaks].sort());
    });
  }
});
