// The field map (RELAY_ADAPTER_MAP) and the adapter's reason codes: where a map's paths lead, what
// they may not do, and that what they find is checked like anything the built-in spellings find.
import { describe, expect, it } from 'vitest';
import { MAX_PATHS_PER_FIELD, parseFieldMap } from '../../src/snapengage/adapter-map';
import {
  ADAPT_FAILURES,
  adaptAgentStatusEvent,
  adaptConversationEvent,
  createWebhookAdapter,
  type AdaptResult,
  type FieldMap,
} from '../../src/snapengage/webhook-adapter';

const v2 = {
  name: 'CONVERSATION_ASSIGNED',
  uuid: 'v2-1',
  meta: { when: 1_764_000_000, 'a/b': { 'x~y': 'https://www.snapengage.com/viewcase?c=c-1' } },
  payload: {
    chat: { uuid: 'c-1', visitor: { name: 'Sam', question: 'Where is my order?' } },
    operators: [{ mail: 'Bob@example.com' }, { mail: 'Alice@example.com', nick: 'Alice' }],
  },
};
const map: FieldMap = {
  conversationEvents: {
    kind: ['name'],
    eventId: ['uuid'],
    at: ['/meta/when'],
    conversationId: ['/payload/chat/uuid'],
    agentId: ['/payload/operators/1/mail'],
    agentAlias: ['payload.operators.1.nick'],
    requesterName: ['/payload/chat/visitor/name'],
    description: ['payload.chat.visitor.question'],
    url: ['/meta/a~1b/x~0y'],
  },
};

function ok(r: AdaptResult) {
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}: ${r.error}`);
  return r.event;
}
function failed(r: AdaptResult) {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.event)}`);
  return r;
}

describe('adapter with a field map', () => {
  const adapter = createWebhookAdapter(map);

  it('reads an unfamiliar shape through JSON pointers (with array indexes and ~0/~1 escapes) and dotted paths', () => {
    expect(failed(adaptConversationEvent(v2)).reason).toBe('missing_kind');
    const e = ok(adapter.conversation(v2));
    expect(e).toMatchObject({
      id: 'v2-1',
      kind: 'assigned',
      at: new Date(1_764_000_000_000).toISOString(),
      recipients: ['alice@example.com'],
    });
    expect(e.data).toMatchObject({
      conversationId: 'c-1',
      agentId: 'Alice@example.com',
      agentAlias: 'Alice',
      requesterName: 'Sam',
      description: 'Where is my order?',
      url: 'https://www.snapengage.com/viewcase?c=c-1',
    });
  });

  it('tries the map first, then the built-in spellings', () => {
    const both = { ...v2, event: 'conversation_closed', eventId: 'builtin-id', conversation: { id: 'builtin-conv' } };
    expect(ok(adapter.conversation(both))).toMatchObject({ id: 'v2-1', kind: 'assigned', data: { conversationId: 'c-1' } });
    // A mapped path that finds nothing falls through to the built-in spelling.
    const { uuid: _u, ...noUuid } = both;
    expect(ok(adapter.conversation(noUuid)).id).toBe('builtin-id');
    // Bodies of the familiar shape read as before.
    const canonical = {
      event: 'conversation_assigned',
      eventId: 'e-1',
      timestamp: 1_764_000_000_123,
      conversation: { id: 'c-9' },
      agent: { id: 'carol@example.com' },
    };
    expect(ok(adapter.conversation(canonical))).toEqual(ok(adaptConversationEvent(canonical)));
  });

  it('checks what the map finds exactly like a built-in value, naming the mapped path', () => {
    expect(failed(adapter.conversation({ ...v2, meta: { when: 'yesterday' } }))).toEqual({
      ok: false,
      reason: 'bad_field',
      error: '/meta/when must be epoch ms, epoch seconds or an ISO 8601 string',
    });
    const agentObject = { ...v2, payload: { ...v2.payload, operators: [{}, { mail: { id: 1 } }] } };
    expect(failed(adapter.conversation(agentObject))).toEqual({
      ok: false,
      reason: 'bad_field',
      error: '/payload/operators/1/mail must be a string',
    });
    const noAgent = { ...v2, payload: { ...v2.payload, operators: [] } };
    expect(failed(adapter.conversation(noAgent)).reason).toBe('missing_agent');
    const noChat = { ...v2, payload: { operators: v2.payload.operators } };
    expect(failed(adapter.conversation(noChat)).reason).toBe('missing_conversation');
    // As in RFC 6901, a number reads an array's element or an object's member of that name; a name never reads into an array.
    const indexed = createWebhookAdapter({ conversationEvents: { kind: ['/list/0'], conversationId: ['c'] } });
    expect(ok(indexed.conversation({ list: { '0': 'queued' }, c: 'c-1' })).kind).toBe('queued');
    expect(ok(indexed.conversation({ list: ['queued'], c: 'c-1' })).kind).toBe('queued');
    expect(failed(createWebhookAdapter({ conversationEvents: { kind: ['list.x'] } }).conversation({ list: ['assigned'] })).reason).toBe(
      'missing_kind',
    );
  });

  it('maps agent status bodies too', () => {
    const status = createWebhookAdapter({
      agentStatus: { agentId: ['/who/mail'], status: ['state.now'], previousStatus: ['state.before'], at: ['/at'] },
    });
    const e = ok(
      status.agentStatus({ who: { mail: 'Alice@example.com' }, state: { now: 'Available', before: 'paused' }, at: '2025-11-24T16:00:00Z' }),
    );
    expect(e).toMatchObject({
      kind: 'agent_status',
      recipients: ['alice@example.com'],
      at: '2025-11-24T16:00:00.000Z',
      data: { agentId: 'Alice@example.com', status: 'online', previousStatus: 'pause' },
    });
    expect(failed(status.agentStatus({ who: { mail: 'a@b.c' }, state: { now: 'busy' } })).reason).toBe('unknown_status');
  });

  it('leaves the default adapter alone', () => {
    createWebhookAdapter(map);
    expect(failed(adaptConversationEvent(v2)).reason).toBe('missing_kind');
  });
});

describe('reason codes', () => {
  it.each([
    ['not_object', [1, 2], adaptConversationEvent],
    ['not_object', 'text', adaptAgentStatusEvent],
    ['missing_kind', { conversation: { id: 'c' } }, adaptConversationEvent],
    ['bad_kind', { event: '__', conversation: { id: 'c' } }, adaptConversationEvent],
    ['missing_conversation', { event: 'assigned', agent: { id: 'a@b.c' } }, adaptConversationEvent],
    ['missing_agent', { event: 'assigned', case_id: 'c' }, adaptConversationEvent],
    ['missing_transfer_target', { event: 'transferred', case_id: 'c' }, adaptConversationEvent],
    ['bad_field', { event: 'assigned', case_id: 'c', agent: { id: 'a@b.c' }, timestamp: 'yesterday' }, adaptConversationEvent],
    ['missing_agent', { status: 'online' }, adaptAgentStatusEvent],
    ['missing_status', { agentId: 'a@b.c' }, adaptAgentStatusEvent],
    ['unknown_status', { agentId: 'a@b.c', status: 'busy' }, adaptAgentStatusEvent],
  ] as const)('%s: %j', (reason, body, adapt) => {
    expect(ADAPT_FAILURES).toContain(reason);
    expect(failed(adapt(body)).reason).toBe(reason);
  });
});

describe('parseFieldMap', () => {
  it('accepts a path or a list of paths per field, and a $comment', () => {
    expect(
      parseFieldMap({ $comment: 'for the v2 bodies', conversationEvents: { kind: 'name', agentId: ['/a/0/b', 'a.0.b'] }, agentStatus: {} }),
    ).toEqual({
      ok: true,
      map: { conversationEvents: { kind: ['name'], agentId: ['/a/0/b', 'a.0.b'] }, agentStatus: {} },
    });
    expect(parseFieldMap({})).toEqual({ ok: true, map: { conversationEvents: undefined, agentStatus: undefined } });
  });

  it.each([
    [null, 'the map must be an object'],
    [[], 'the map must be an object'],
    [{ conversations: {} }, 'conversations is not a field the adapter reads (known: $comment, conversationEvents, agentStatus)'],
    [
      { conversationEvents: { agnet: 'a' } },
      'conversationEvents.agnet is not a field the adapter reads (known: kind, eventId, at, conversationId, agentId',
    ],
    [{ agentStatus: { kind: 'a' } }, 'agentStatus.kind is not a field the adapter reads (known: agentId, status'],
    [{ agentStatus: 'a' }, 'agentStatus must be an object'],
    [{ conversationEvents: { kind: 5 } }, 'conversationEvents.kind must be a path or a list of paths'],
    [{ conversationEvents: { kind: [] } }, 'conversationEvents.kind must list at least one path'],
    [
      { conversationEvents: { kind: Array.from({ length: MAX_PATHS_PER_FIELD + 1 }, (_, i) => `k${i}`) } },
      `conversationEvents.kind may list at most ${MAX_PATHS_PER_FIELD} paths`,
    ],
    [{ conversationEvents: { kind: '' } }, 'conversationEvents.kind "" must be 1 to 256 characters'],
    [{ conversationEvents: { kind: 'a..b' } }, 'conversationEvents.kind "a..b" is neither a JSON pointer'],
    [{ conversationEvents: { kind: ['ok', '.a'] } }, 'conversationEvents.kind[1] ".a" is neither a JSON pointer'],
    [{ conversationEvents: { kind: '/a//b' } }, 'conversationEvents.kind "/a//b" is neither a JSON pointer'],
    [{ conversationEvents: { kind: '/a~2' } }, 'conversationEvents.kind "/a~2" is neither a JSON pointer'],
    [{ conversationEvents: { kind: '/' } }, 'conversationEvents.kind "/" is neither a JSON pointer'],
    [
      { conversationEvents: { kind: '/__proto__/x' } },
      'conversationEvents.kind "/__proto__/x" goes through __proto__, constructor or prototype',
    ],
    [{ conversationEvents: { kind: 'a.constructor' } }, 'goes through __proto__, constructor or prototype'],
    [{ conversationEvents: { kind: new Array(40).fill('a').join('.') } }, 'has more than 32 keys'],
  ])('%j → %s', (input, message) => {
    const r = parseFieldMap(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });

  it('reports every bad entry at once', () => {
    const r = parseFieldMap({ conversationEvents: { kind: 'a..b', agnet: 'x' }, agentStatus: { status: 3 } });
    expect(r.ok ? [] : r.errors).toHaveLength(3);
  });
});
