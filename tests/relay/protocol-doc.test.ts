// Keeps docs/relay-protocol.md honest: every example frame must parse with the schema the code
// uses, and the close-code table must match CloseCode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CloseCode, EventFrame, HelloFrame, PingFrame, WelcomeFrame } from '../../lib/protocol/frames';
import { AgentStatusData, ConversationData } from '../../lib/snapengage/conversation';
import { AGENT_STATUS_KIND, CONVERSATION_KINDS } from '../../lib/snapengage/event-kinds';
import { CONFIG_DOCS } from '../../relay/config';

const doc = readFileSync(new URL('../../docs/relay-protocol.md', import.meta.url), 'utf8');
const SCHEMAS = { hello: HelloFrame, welcome: WelcomeFrame, event: EventFrame, ping: PingFrame } as const;

const examples = [...doc.matchAll(/<!-- frame: (\w+) -->\s*\n```json\n([\s\S]*?)\n```/g)].map((m) => ({ frame: m[1]!, json: m[2]! }));

describe('docs/relay-protocol.md', () => {
  it('has an example of each frame', () => {
    expect(new Set(examples.map((e) => e.frame))).toEqual(new Set(Object.keys(SCHEMAS)));
    // every marker is followed by a json block (none silently skipped)
    expect(examples.length).toBe([...doc.matchAll(/<!-- frame: /g)].length);
  });

  for (const [i, { frame, json }] of examples.entries()) {
    it(`example ${i + 1} (${frame}) parses with its schema`, () => {
      const schema = SCHEMAS[frame as keyof typeof SCHEMAS];
      expect(schema, `unknown frame marker ${frame}`).toBeDefined();
      const parsed = schema.safeParse(JSON.parse(json));
      expect(parsed.success, parsed.success ? '' : z.prettifyError(parsed.error)).toBe(true);
      if (frame === 'event') {
        const e = EventFrame.parse(JSON.parse(json));
        const dataSchema = e.kind === AGENT_STATUS_KIND ? AgentStatusData : (CONVERSATION_KINDS as readonly string[]).includes(e.kind) ? ConversationData : undefined;
        if (dataSchema) expect(dataSchema.safeParse(e.data).success).toBe(true);
      }
    });
  }

  it('lists every close code with its number and name', () => {
    for (const [name, code] of Object.entries(CloseCode)) {
      expect(doc).toMatch(new RegExp(`\\|\\s*${code}\\s*\\|\\s*\`${name}\`\\s*\\|`));
    }
  });

  it('mentions every endpoint and config variable it relies on', () => {
    for (const path of ['/ws', '/snapengage/conversation-events', '/snapengage/agent-status', '/api/events', '/healthz', '/metrics']) expect(doc).toContain(path);
    for (const env of ['RELAY_ALLOWED_ORIGINS', 'RELAY_PING_INTERVAL_MS', 'RELAY_SECRET']) {
      expect(CONFIG_DOCS.some((d) => d.env === env)).toBe(true);
      expect(doc).toContain(env);
    }
  });
});
