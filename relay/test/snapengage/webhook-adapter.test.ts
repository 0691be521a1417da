import { describe, expect, it } from 'vitest';
import { AgentStatusData, ConversationData } from '@switchboard/protocol/conversation';
import { CONVERSATION_KINDS } from '@switchboard/protocol/event-kinds';
import {
  adaptAgentStatusEvent,
  adaptConversationEvent,
  commonConversationData,
  normalizeKind,
  toEpochMs,
} from '../../src/snapengage/webhook-adapter';
import * as sandbox from '../../../sandbox/payloads';

const TS = 1_764_000_000_123;
const canonical = {
  event: 'conversation_assigned',
  eventId: '5f0c-1',
  timestamp: TS,
  widgetId: 'w-1',
  conversation: {
    id: 'c-1',
    url: 'https://www.snapengage.com/viewcase?c=c-1',
    type: 'chat',
    requesterEmail: 'sam@example.org',
    requesterName: 'Sam',
    description: 'Where is my order?',
    pageUrl: 'https://shop.example.com/orders',
    createdAt: 1_763_999_990_000,
  },
  agent: { id: 'alice@example.com', alias: 'Alice' },
};

function ok(body: unknown) {
  const r = adaptConversationEvent(body);
  if (!r.ok) throw new Error(`expected ok, got ${r.error}`);
  return r.event;
}
function err(body: unknown, fn = adaptConversationEvent) {
  const r = fn(body);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.event)}`);
  return r.error;
}

describe('event type spellings', () => {
  it.each([
    ['conversation_assigned', 'assigned'],
    ['CONVERSATION_ASSIGNED', 'assigned'],
    ['conversation.assigned', 'assigned'],
    ['assigned', 'assigned'],
    ['case_assigned', 'assigned'],
    ['Conversation-Transferred', 'transferred'],
    ['broadcast', 'broadcasted'],
    ['broadcasted', 'broadcasted'],
    ['broadcasting', 'broadcasted'],
    ['conversation_broadcast', 'broadcasted'],
    ['case.closed', 'closed'],
    ['conversation_escalated', 'escalated'],
  ])('%s → %s', (raw, kind) => expect(normalizeKind(raw)).toBe(kind));

  it('every one of the eight kinds in every prefix spelling', () => {
    for (const kind of CONVERSATION_KINDS) {
      for (const raw of [`conversation_${kind}`, `CONVERSATION_${kind.toUpperCase()}`, `conversation.${kind}`, kind, `case_${kind}`]) {
        expect(normalizeKind(raw)).toBe(kind);
      }
    }
  });
});

describe('adaptConversationEvent', () => {
  it('maps the canonical body to ConversationData', () => {
    const e = ok(canonical);
    expect(e).toMatchObject({ id: '5f0c-1', kind: 'assigned', at: new Date(TS).toISOString(), recipients: ['alice@example.com'] });
    expect(e.data).toMatchObject({
      conversationId: 'c-1',
      url: canonical.conversation.url,
      widgetId: 'w-1',
      requesterEmail: 'sam@example.org',
      requesterName: 'Sam',
      description: 'Where is my order?',
      pageUrl: 'https://shop.example.com/orders',
      agentId: 'alice@example.com',
      agentAlias: 'Alice',
      createdAt: 1_763_999_990_000,
      type: 'chat',
    });
    expect(ConversationData.safeParse(e.data).success).toBe(true);
  });

  it('reads snake_case keys and flattened ids', () => {
    const e = ok({
      event: 'case_assigned',
      event_id: 'e-9',
      timestamp: TS,
      widget_id: 'w-2',
      case_id: 'c-9',
      chat_agent_id: 'Alice@Example.com',
      agent_alias: 'Alice',
      conversation: { requester_email: 'sam@example.org', requester_name: 'Sam', page_url: 'https://x', created_at: 1_763_999_990 },
    });
    expect(e.id).toBe('e-9');
    expect(e.recipients).toEqual(['alice@example.com']);
    expect(e.data).toMatchObject({
      conversationId: 'c-9',
      widgetId: 'w-2',
      agentId: 'Alice@Example.com',
      agentAlias: 'Alice',
      requesterEmail: 'sam@example.org',
      pageUrl: 'https://x',
      createdAt: 1_763_999_990_000,
    });
    expect(e.data).not.toHaveProperty('case_id');
    expect(e.data).not.toHaveProperty('widget_id');
  });

  it.each([
    ['epoch ms', TS, TS],
    ['epoch seconds', 1_764_000_000, 1_764_000_000_000],
    ['ISO string', '2025-11-24T16:00:00.123Z', Date.parse('2025-11-24T16:00:00.123Z')],
    ['ISO with offset', '2025-11-24T17:00:00+01:00', Date.parse('2025-11-24T16:00:00Z')],
    ['numeric string', '1764000000123', TS],
  ])('timestamp as %s', (_name, timestamp, ms) => {
    expect(ok({ ...canonical, timestamp }).at).toBe(new Date(ms).toISOString());
    expect(toEpochMs(timestamp)).toBe(ms);
  });

  it('a timestamp no date can hold is treated as absent, never a crash', () => {
    expect(toEpochMs(1e308)).toBeUndefined();
    expect(toEpochMs('9'.repeat(40))).toBeUndefined();
    expect(adaptConversationEvent({ ...canonical, timestamp: 1e308 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('timestamp'),
    });
  });

  it('derives a stable id when eventId is missing, equal across spellings', () => {
    const { eventId: _, ...noId } = canonical;
    const a = ok(noId);
    const b = ok({ ...noId, event: 'CASE_ASSIGNED', timestamp: new Date(TS).toISOString() });
    const c = ok({ ...noId, conversation: { ...noId.conversation, id: 'c-2' } });
    expect(a.id).toMatch(/^d-[0-9a-f]{32}$/);
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(ok(noId).id).toBe(a.id);
  });

  it('keeps unknown fields', () => {
    const e = ok({ ...canonical, priority: 'high', conversation: { ...canonical.conversation, tags: ['vip'] } });
    expect(e.data).toMatchObject({ priority: 'high', tags: ['vip'] });
  });

  it('a field read from its own spelling replaces a copied one of the same name, and an absent one removes it', () => {
    // `conversation.agentId` is not one of the agent's spellings: it is copied, then the agent read from `agent.id` wins.
    const e = ok({
      ...canonical,
      conversation: { ...canonical.conversation, agentId: 'nested@example.com', agentAlias: 'Nested', note: 'n' },
    });
    expect(e.data).toMatchObject({ agentId: 'alice@example.com', agentAlias: 'Alice', note: 'n' });
    const queued = ok({
      event: 'conversation_queued',
      eventId: 'q-1',
      timestamp: TS,
      conversation: { id: 'c-2', agentAlias: 'Nested', note: 'n' },
    });
    expect(queued.data).not.toHaveProperty('agentAlias');
    expect(queued.data).not.toHaveProperty('agentId');
    expect(queued.data).toMatchObject({ conversationId: 'c-2', note: 'n' });
  });

  it('a "__proto__" key in the body changes neither the fields nor the prototype of data', () => {
    const body = JSON.parse(
      JSON.stringify({ ...canonical, agent: { id: 'alice@example.com' } }).replace(
        '{',
        '{"__proto__":{"agentAlias":{"x":1},"closedAt":"soon"},',
      ),
    ) as unknown;
    const e = ok(body);
    expect(Object.getPrototypeOf(e.data)).toBe(Object.prototype);
    expect(e.data).not.toHaveProperty('agentAlias');
    expect(e.data).not.toHaveProperty('closedAt');
    expect(JSON.parse(JSON.stringify(e.data))).toEqual({ ...e.data });
  });

  it('an undefined value (a body not from JSON.parse) is left out of data, as JSON would', () => {
    const e = ok({ ...canonical, note: undefined, conversation: { ...canonical.conversation, extra: undefined } });
    expect(Object.keys(e.data)).not.toContain('note');
    expect(Object.keys(e.data)).not.toContain('extra');
    const s = adaptAgentStatusEvent({ agentId: 'alice@example.com', status: 'pause', note: undefined });
    expect(s.ok && Object.keys(s.event.data)).not.toContain('note');
  });

  it('transferred goes to both agents, deduped', () => {
    const body = {
      ...canonical,
      event: 'conversation_transferred',
      transfer: { fromAgentId: 'bob@example.com', toAgentId: 'alice@example.com' },
    };
    const e = ok(body);
    expect(e.kind).toBe('transferred');
    expect(e.recipients.sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(e.data.transfer).toEqual({ fromAgentId: 'bob@example.com', toAgentId: 'alice@example.com' });
    const snake = ok({
      event: 'transferred',
      case_id: 'c',
      transfer: { from_agent_id: 'Bob@example.com', to_agent_id: 'bob@example.com' },
    });
    expect(snake.recipients).toEqual(['bob@example.com']);
  });

  it('queued and broadcasted without an agent have no recipient', () => {
    const { agent: _, ...noAgent } = canonical;
    expect(ok({ ...noAgent, event: 'conversation_queued' }).recipients).toEqual([]);
    expect(ok({ ...noAgent, event: 'broadcast' })).toMatchObject({ kind: 'broadcasted', recipients: [] });
  });

  it('labeled, surveyed, closed carry their fields', () => {
    const l = ok({
      ...canonical,
      event: 'conversation_labeled',
      labels: [{ name: 'topic', value: 'billing' }, { name: 'n', value: 3 }, 'plain'],
    });
    expect(l.data.labels).toEqual([{ name: 'topic', value: 'billing' }, { name: 'n', value: '3' }, { name: 'plain' }]);
    const s = ok({ ...canonical, event: 'conversation_surveyed', survey: { score: '5', comment: 'Great help' } });
    expect(s.data.survey).toEqual({ score: 5, comment: 'Great help' });
    const c = ok({ ...canonical, event: 'conversation_closed', closed_at: 1_764_000_300 });
    expect(c.data.closedAt).toBe(1_764_000_300_000);
  });

  it('an unknown kind is kept with the raw fields', () => {
    const body = { event: 'conversation_escalated', eventId: 'x1', timestamp: TS, agent_id: 'alice@example.com', level: 2 };
    const e = ok(body);
    expect(e).toMatchObject({ id: 'x1', kind: 'escalated', recipients: ['alice@example.com'] });
    expect(e.data).toEqual(body);
    expect(ok({ event: 'something_new', foo: 1 }).recipients).toEqual([]);
  });

  it.each([
    ['not an object', [1, 2], 'body'],
    ['no event type', { eventId: 'x' }, 'event'],
    ['assigned without conversation id', { event: 'assigned', agent: { id: 'a@b.c' } }, 'conversation.id'],
    ['assigned without agent', { event: 'assigned', conversation: { id: 'c' } }, 'agent.id'],
    ['responded without agent', { event: 'conversation_responded', case_id: 'c' }, 'agent.id'],
    ['transferred without target', { event: 'transferred', case_id: 'c' }, 'transfer.toAgentId'],
    ['bad timestamp', { ...canonical, timestamp: 'yesterday' }, 'timestamp'],
    ['agent id an object', { ...canonical, agent: { id: { x: 1 } } }, 'agent.id'],
    ['labels not an array', { ...canonical, event: 'labeled', labels: 'billing' }, 'labels'],
    ['survey score not a number', { ...canonical, event: 'surveyed', survey: { score: 'great' } }, 'survey.score'],
  ])('%s → error naming %s', (_name, body, field) => {
    expect(err(body)).toContain(field);
  });
});

describe('sandbox payload variants (shared source of spellings)', () => {
  for (const kind of CONVERSATION_KINDS) {
    it(`${kind}: every variant adapts to the same kind, recipients and data`, () => {
      const body = sandbox.conversationEvent(kind, {
        agent: 'alice@example.com',
        fromAgent: 'bob@example.com',
        timestamp: TS,
        conversationId: 'c-42',
        eventId: 'e-42',
      });
      const reference = ok(body);
      const variants = sandbox.variants(body);
      expect(variants.length).toBeGreaterThan(5);
      for (const v of variants) {
        const e = adaptConversationEvent(v.body);
        expect(e.ok, `${v.name}: ${JSON.stringify(e)}`).toBe(true);
        if (!e.ok) continue;
        expect(e.event.kind, v.name).toBe(kind);
        expect(Math.abs(Date.parse(e.event.at) - TS), v.name).toBeLessThan(1000);
        expect(e.event.recipients.sort(), v.name).toEqual(reference.recipients.sort());
        expect(e.event.data.conversationId, v.name).toBe('c-42');
        expect(e.event.data.agentId, v.name).toBe(reference.data.agentId);
        expect(e.event.data.requesterEmail, v.name).toBe('sam@example.org');
        expect(Math.abs((e.event.data.createdAt as number) - (reference.data.createdAt as number)), v.name).toBeLessThan(1000);
        expect(e.event.data.transfer, v.name).toEqual(reference.data.transfer);
        expect(e.event.data.labels, v.name).toEqual(reference.data.labels);
        expect(e.event.data.survey, v.name).toEqual(reference.data.survey);
        if (kind === 'closed')
          expect(Math.abs((e.event.data.closedAt as number) - (reference.data.closedAt as number)), v.name).toBeLessThan(1000);
        if (!v.spelling.includes('no-event-id')) expect(e.event.id, v.name).toBe('e-42');
        expect(ConversationData.safeParse(e.event.data).success).toBe(true);
      }
      const noId = variants
        .filter((v) => v.spelling.includes('no-event-id'))
        .map((v) => (adaptConversationEvent(v.body) as { event: { id: string } }).event.id);
      expect(new Set(noId).size).toBe(1);
    });
  }

  it('agent status variants', () => {
    const body = sandbox.agentStatusEvent({
      agentId: 'alice@example.com',
      status: 'pause',
      substatus: 'Lunch',
      previousStatus: 'online',
      timestamp: TS,
    });
    for (const v of sandbox.variants(body)) {
      const r = adaptAgentStatusEvent(v.body);
      expect(r.ok, v.name).toBe(true);
      if (r.ok)
        expect(r.event.data, v.name).toMatchObject({
          agentId: 'alice@example.com',
          status: 'pause',
          substatus: 'Lunch',
          previousStatus: 'online',
        });
    }
  });
});

describe('the common event checked without zod', () => {
  // The adapter checks ConversationData by hand when it can; what it hands on must be exactly what zod would have made.
  const sameAsZod = (data: Record<string, unknown>) => {
    const fast = commonConversationData(data);
    const zod = ConversationData.safeParse(data);
    return { fast, zod, same: zod.success && fast !== undefined && JSON.stringify(fast) === JSON.stringify(zod.data) };
  };

  it('every sandbox spelling of every kind: the same data, key order included, or left to zod (transfer, labels, survey)', () => {
    let checkedByHand = 0;
    for (const kind of CONVERSATION_KINDS) {
      const body = sandbox.conversationEvent(kind, {
        agent: 'alice@example.com',
        fromAgent: 'bob@example.com',
        timestamp: TS,
        conversationId: 'c-42',
      });
      for (const v of [{ name: 'as sent', body }, ...sandbox.variants(body)]) {
        const data = ok(v.body).data;
        const { fast, zod, same } = sameAsZod(data);
        expect(zod.success, v.name).toBe(true);
        if ('transfer' in data || 'labels' in data || 'survey' in data) expect(fast, `${kind} ${v.name}`).toBeUndefined();
        else {
          expect(same, `${kind} ${v.name}`).toBe(true);
          expect(fast, v.name).not.toBe(data);
          checkedByHand++;
        }
      }
    }
    expect(checkedByHand).toBeGreaterThan(20);
  });

  it("the other fields come after the schema's, in their own order, as zod puts them", () => {
    const data = { zeta: 1, createdAt: 5, note: { a: [1] }, conversationId: 'c', url: 'u', alpha: 'x' };
    const { fast, same } = sameAsZod(data);
    expect(same).toBe(true);
    expect(Object.keys(fast!)).toEqual(['conversationId', 'url', 'createdAt', 'zeta', 'note', 'alpha']);
  });

  it.each([
    ['no conversationId', { url: 'u' }],
    ['a number conversationId', { conversationId: 7 }],
    ['a number url', { conversationId: 'c', url: 1 }],
    ['an undefined url', { conversationId: 'c', url: undefined }],
    ['a string createdAt', { conversationId: 'c', createdAt: '2025-01-01' }],
    ['NaN closedAt', { conversationId: 'c', closedAt: Number.NaN }],
    ['an infinite createdAt', { conversationId: 'c', createdAt: Number.POSITIVE_INFINITY }],
    ['a null agentAlias', { conversationId: 'c', agentAlias: null }],
    ['a transfer', { conversationId: 'c', transfer: { toAgentId: 'b@example.com' } }],
  ])('%s: left to zod', (_, data) => {
    expect(commonConversationData(data as Record<string, unknown>)).toBeUndefined();
  });
});

describe('adaptAgentStatusEvent', () => {
  it('maps the contract body', () => {
    const r = adaptAgentStatusEvent({
      agentId: 'Alice@example.com',
      status: 'pause',
      substatus: 'Meeting',
      previousStatus: 'online',
      timestamp: TS,
    });
    expect(r).toMatchObject({
      ok: true,
      event: { kind: 'agent_status', at: new Date(TS).toISOString(), recipients: ['alice@example.com'] },
    });
    if (r.ok) {
      expect(r.event.data).toEqual({ agentId: 'Alice@example.com', status: 'pause', substatus: 'Meeting', previousStatus: 'online' });
      expect(AgentStatusData.safeParse(r.event.data).success).toBe(true);
    }
  });

  it('reads snake_case, seconds, and derives a stable id', () => {
    const a = adaptAgentStatusEvent({
      agent_id: 'bob@example.com',
      status: 'OFFLINE',
      previous_status: 'online',
      timestamp: 1_764_000_000,
    });
    const b = adaptAgentStatusEvent({
      agentId: 'bob@example.com',
      status: 'offline',
      previousStatus: 'online',
      timestamp: 1_764_000_000_000,
    });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.event.data).toMatchObject({ agentId: 'bob@example.com', status: 'offline', previousStatus: 'online' });
      expect(a.event.id).toBe(b.event.id);
    }
  });

  it.each([
    ['no agent', { status: 'online' }, 'agentId'],
    ['no status', { agentId: 'a@b.c' }, 'status'],
    ['bad status', { agentId: 'a@b.c', status: 'busy' }, 'status'],
    ['bad timestamp', { agentId: 'a@b.c', status: 'online', timestamp: {} }, 'timestamp'],
  ])('%s → error naming %s', (_n, body, field) => {
    expect(err(body, adaptAgentStatusEvent)).toContain(field);
  });

  it.each(['__proto__', 'constructor', '__defineGetter__', 'hasOwnProperty'])(
    'a status or previous status "%s" is text, not a lookup into Object.prototype',
    (word) => {
      // As a previous status it is kept as sent (lowercased), like any other value we do not know.
      const r = adaptAgentStatusEvent(JSON.parse(JSON.stringify({ agentId: 'a@b.c', status: 'Available', previousStatus: word })));
      expect(r).toMatchObject({ ok: true, event: { data: { status: 'online', previousStatus: word.toLowerCase() } } });
      // As the status it is refused by name, like any unknown status.
      expect(adaptAgentStatusEvent({ agentId: 'a@b.c', status: word })).toEqual({
        ok: false,
        error: `status must be online, pause or offline (got "${word}")`,
        reason: 'unknown_status',
      });
      expect(adaptAgentStatusEvent({ agentId: 'a@b.c', status: 'online', previousStatus: 'PAUSED' })).toMatchObject({
        ok: true,
        event: { data: { previousStatus: 'pause' } },
      });
    },
  );
});

describe('agent spellings', () => {
  it('accepts agent as a bare string and ignores an empty agent object on queued events', () => {
    expect(ok({ event: 'assigned', case_id: 'c', agent: 'Alice@example.com' }).recipients).toEqual(['alice@example.com']);
    expect(ok({ event: 'queued', case_id: 'c', agent: {} }).recipients).toEqual([]);
    expect(err({ event: 'assigned', case_id: 'c', agent: {} })).toContain('agent.id');
  });
});

it('reads the event type from `type` too, and keeps `type` when it is something else', () => {
  expect(ok({ type: 'conversation_queued', case_id: 'c' })).toMatchObject({ kind: 'queued', data: { conversationId: 'c' } });
  expect(ok({ type: 'conversation_queued', case_id: 'c' }).data).not.toHaveProperty('type');
  expect(ok({ event: 'conversation_queued', type: 'chat', case_id: 'c' }).data.type).toBe('chat');
});
