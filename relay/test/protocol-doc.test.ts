// Keeps docs/relay-protocol.md honest: every example frame must parse with the schema the code
// uses, and the close-code table must match CloseCode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CloseCode, EventFrame, HelloFrame, PingFrame, WelcomeFrame } from '@switchboard/protocol/frames';
import { AgentStatusData, ConversationData } from '@switchboard/protocol/conversation';
import { parseFieldMap } from '../src/snapengage/adapter-map';
import { AGENT_STATUS_KIND, CONVERSATION_KINDS } from '@switchboard/protocol/event-kinds';
import {
  ADAPT_FAILURES,
  adaptConversationEvent,
  AGENT_STATUS_FIELD_PATHS,
  CONVERSATION_FIELD_PATHS,
  createWebhookAdapter,
} from '../src/snapengage/webhook-adapter';
import { DEFAULT_STATUS_REQUEST } from '@switchboard/protocol/agent-status-request';
import { decodeSetupCode, encodeSetupCode, SetupCode } from '@switchboard/protocol/setup-code';
import { outcomeHttpStatus, StatusApiOutcome, StatusApiRequest } from '@switchboard/protocol/status-api';
import { CONFIG_DOCS } from '../src/config';
import { QUARANTINE_ID } from '../src/quarantine';
import { statusRequestProblem } from '../src/snapengage/agent-status-client';
import { STATUS_REQUEST_OUTCOMES } from '../src/status-api-routes';

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
        const dataSchema =
          e.kind === AGENT_STATUS_KIND
            ? AgentStatusData
            : (CONVERSATION_KINDS as readonly string[]).includes(e.kind)
              ? ConversationData
              : undefined;
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
    for (const path of [
      '/ws',
      '/snapengage/conversation-events',
      '/snapengage/agent-status',
      '/api/events',
      '/healthz',
      '/metrics',
      '/admin/quarantine',
      '/admin/quarantine/replay',
      '/admin/quarantine/drop',
      '/api/status',
    ])
      expect(doc).toContain(path);
    for (const env of [
      'RELAY_ALLOWED_ORIGINS',
      'RELAY_PING_INTERVAL_MS',
      'RELAY_SECRET',
      'RELAY_ADAPTER_MAP',
      'RELAY_RETENTION_DAYS',
      'SNAPENGAGE_API_TOKEN',
      'SNAPENGAGE_ORG_ID',
      'SNAPENGAGE_API_BASE',
      'SNAPENGAGE_STATUS_REQUEST',
      'RELAY_STATUS_RATE_LIMIT',
      'RELAY_PUBLIC_URL',
    ]) {
      expect(CONFIG_DOCS.some((d) => d.env === env)).toBe(true);
      expect(doc).toContain(env);
    }
  });

  const block = (marker: string) => {
    const m = new RegExp(`<!-- ${marker} -->\\s*\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
    expect(m, `no json block after <!-- ${marker} -->`).not.toBeNull();
    return JSON.parse(m![1]!) as unknown;
  };

  describe('relay mode and setup codes', () => {
    it('the setup code example is a SetupCode, and encodes and decodes as itself', () => {
      const code = SetupCode.parse(block('setup-code'));
      expect(decodeSetupCode(encodeSetupCode(code))).toEqual({ ok: true, code });
    });

    it('the POST /api/status body example is a StatusApiRequest', () => {
      expect(StatusApiRequest.safeParse(block('status-request')).success).toBe(true);
    });

    it('has an example of each outcome, under the HTTP status the relay answers it with', () => {
      const outcomeExamples = [...doc.matchAll(/<!-- status-outcome: (\d+) -->\s*\n```json\n([\s\S]*?)\n```/g)];
      expect(outcomeExamples.map((m) => Number(m[1]))).toEqual([200, 502, 422, 429, 503]);
      const outcomes = outcomeExamples.map(([, status, json]) => {
        const outcome = StatusApiOutcome.parse(JSON.parse(json!));
        expect(outcomeHttpStatus(outcome), json).toBe(Number(status));
        return outcome.outcome;
      });
      expect(new Set(outcomes)).toEqual(new Set(StatusApiOutcome.def.options.flatMap((o) => o.shape.outcome.def.values)));
    });

    it("the override example is one SNAPENGAGE_STATUS_REQUEST takes, and spells out the inferred request's defaults", () => {
      const example = block('status-request-override');
      expect(statusRequestProblem(JSON.stringify(example))).toBeUndefined();
      expect(example).toEqual(DEFAULT_STATUS_REQUEST);
    });

    it('lists every outcome relay_status_requests_total counts', () => {
      const line = /`relay_status_requests_total\{outcome=([^}]*)\}`/.exec(doc)?.[1] ?? '';
      expect([...line.matchAll(/"(\w+)"/g)].map((m) => m[1])).toEqual([...STATUS_REQUEST_OUTCOMES]);
    });
  });

  describe('the quarantine', () => {
    it('lists every reason code the adapter gives, each in the table', () => {
      for (const reason of ADAPT_FAILURES) expect(doc).toMatch(new RegExp(`\\|\\s*\`${reason}\`\\s*\\|`));
      const documented = [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(?:JSON that|an? |no |the )/gm)].map((m) => m[1]);
      expect(new Set(documented)).toEqual(new Set(ADAPT_FAILURES));
    });

    it('the 202 example has an id of the right form and a real reason', () => {
      const answer = block('answer: quarantined') as { quarantined: string; reason: string; duplicate: boolean };
      expect(answer.quarantined).toMatch(QUARANTINE_ID);
      expect(ADAPT_FAILURES).toContain(answer.reason);
      expect(typeof answer.duplicate).toBe('boolean');
    });

    it('the example body is quarantined as the doc says, and the example map reads it as the doc says', () => {
      const body = block('webhook-body: v2');
      const before = adaptConversationEvent(body);
      expect(before).toMatchObject({ ok: false, reason: 'missing_kind' });
      const map = parseFieldMap(block('adapter-map'));
      if (!map.ok) throw new Error(map.errors.join('; '));
      const after = createWebhookAdapter(map.map).conversation(body);
      expect(after).toMatchObject({
        ok: true,
        event: {
          kind: 'assigned',
          recipients: ['alice@example.com'],
          data: { conversationId: '8b7c3b3b', requesterName: 'Sam', description: 'Where is my order?' },
        },
      });
    });

    it('names every field a map may set', () => {
      const fieldsOf = (section: string) => new RegExp(`- \`${section}\` fields: ([^\\n]+(?:\\n  [^\\n]+)*)`).exec(doc)?.[1] ?? '';
      const named = (text: string) => [...text.matchAll(/`(\w+)`/g)].map((m) => m[1]);
      expect(named(fieldsOf('conversationEvents'))).toEqual(Object.keys(CONVERSATION_FIELD_PATHS));
      expect(named(fieldsOf('agentStatus'))).toEqual(Object.keys(AGENT_STATUS_FIELD_PATHS));
    });
  });
});
