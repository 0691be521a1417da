import { describe, expect, it } from 'vitest';
import { CONVERSATION_KINDS } from '@switchboard/protocol/event-kinds';
import { agentStatusEvent, conversationEvent, spell, variants, type ConversationEventBody } from '../../sandbox/payloads';

const fixed = { eventId: 'ev-1', conversationId: 'c-1', widgetId: 'w-1', timestamp: 1_764_000_000_123 };

describe('conversationEvent', () => {
  it('builds the canonical body of the contract', () => {
    expect(conversationEvent('assigned', { ...fixed, agent: 'alice@example.com', createdAt: 1_763_999_990_000 })).toEqual({
      event: 'conversation_assigned',
      eventId: 'ev-1',
      timestamp: 1_764_000_000_123,
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
    });
  });

  it('adds the per-kind fields, and no agent for queued / broadcasted', () => {
    const of = (kind: (typeof CONVERSATION_KINDS)[number]) =>
      conversationEvent(kind, { ...fixed, agent: 'alice@example.com', fromAgent: 'bob@example.com' }) as ConversationEventBody;
    for (const kind of CONVERSATION_KINDS) expect(of(kind).event).toBe(`conversation_${kind}`);
    expect(of('queued').agent).toBeUndefined();
    expect(of('broadcasted').agent).toBeUndefined();
    expect(of('responded').agent).toEqual({ id: 'alice@example.com', alias: 'Alice' });
    expect(of('transferred').transfer).toEqual({ fromAgentId: 'bob@example.com', toAgentId: 'alice@example.com' });
    expect(of('labeled').labels).toEqual([{ name: 'topic', value: 'billing' }]);
    expect(of('surveyed').survey).toEqual({ score: 5, comment: 'Great help' });
    expect(of('closed').closedAt).toBe(fixed.timestamp);
    expect(of('assigned').closedAt).toBeUndefined();
    expect(of('assigned').transfer).toBeUndefined();
  });

  it('is deterministic given ids, random otherwise', () => {
    expect(conversationEvent('closed', fixed)).toEqual(conversationEvent('closed', fixed));
    const a = conversationEvent('closed');
    const b = conversationEvent('closed');
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.conversation.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('agentStatusEvent', () => {
  it('builds the status webhook body', () => {
    expect(
      agentStatusEvent({ agentId: 'alice@example.com', status: 'pause', substatus: 'Meeting', previousStatus: 'online', timestamp: 1 }),
    ).toEqual({ agentId: 'alice@example.com', status: 'pause', substatus: 'Meeting', previousStatus: 'online', timestamp: 1 });
    expect(agentStatusEvent({ agentId: 'a@x', status: 'online', substatus: null, timestamp: 2 })).toEqual({
      agentId: 'a@x',
      status: 'online',
      timestamp: 2,
    });
  });
});

describe('spellings', () => {
  const assigned = conversationEvent('assigned', { ...fixed, agent: 'alice@example.com' });

  it('covers every event-type spelling receivers must tolerate', () => {
    const events = variants(assigned).map((v) => v.body.event);
    expect(events).toEqual(
      expect.arrayContaining(['conversation_assigned', 'CONVERSATION_ASSIGNED', 'conversation.assigned', 'assigned', 'case_assigned']),
    );
    const broadcast = variants(conversationEvent('broadcasted', fixed)).map((v) => v.body.event);
    expect(broadcast).toEqual(expect.arrayContaining(['broadcast', 'broadcasted', 'broadcasting', 'conversation_broadcasted']));
    expect(events).not.toContain('broadcast');
  });

  it('snake_cases keys and flattens the ids', () => {
    const snake = spell(assigned, 'snake');
    expect(snake).toMatchObject({
      event_id: 'ev-1',
      widget_id: 'w-1',
      case_id: 'c-1',
      agent_id: 'alice@example.com',
      agent_alias: 'Alice',
    });
    expect(snake).not.toHaveProperty('eventId');
    expect(snake).not.toHaveProperty('agent');
    expect(snake.conversation).toMatchObject({ requester_email: 'sam@example.org', page_url: 'https://shop.example.com/orders' });
    expect(spell(assigned, 'snake-chat-agent')).toMatchObject({ chat_agent_id: 'alice@example.com' });
    const transfer = spell(conversationEvent('transferred', { ...fixed, fromAgent: 'bob@example.com' }), 'snake');
    expect(transfer.transfer).toEqual({ from_agent_id: 'bob@example.com', to_agent_id: 'alice@example.com' });
  });

  it('writes timestamps as seconds or ISO strings, everywhere', () => {
    const closed = conversationEvent('closed', { ...fixed, createdAt: 1_763_999_990_000 });
    const seconds = spell(closed, 'seconds') as unknown as ConversationEventBody;
    expect(seconds.timestamp).toBe(1_764_000_000);
    expect(seconds.closedAt).toBe(1_764_000_000);
    expect(seconds.conversation.createdAt).toBe(1_763_999_990);
    const iso = spell(closed, 'iso') as Record<string, unknown>;
    expect(iso.timestamp).toBe('2025-11-24T16:00:00.123Z');
    expect(spell(closed, ['snake', 'iso']).closed_at).toBe('2025-11-24T16:00:00.123Z');
  });

  it('can leave the event id out', () => {
    expect(spell(assigned, 'no-event-id')).not.toHaveProperty('eventId');
    expect(spell(assigned, ['snake', 'no-event-id'])).not.toHaveProperty('event_id');
  });

  it('accepts spelling as an option and never changes the input', () => {
    const copy = structuredClone(assigned);
    expect(conversationEvent('assigned', { ...fixed, agent: 'alice@example.com', spelling: 'upper' }).event).toBe('CONVERSATION_ASSIGNED');
    variants(assigned);
    expect(assigned).toEqual(copy);
  });

  it('every variant keeps the conversation id and timestamp in some spelling', () => {
    for (const { name, body } of variants(assigned)) {
      const id = (body.conversation as { id?: string } | undefined)?.id ?? body.case_id;
      expect(id, name).toBe('c-1');
      expect(body.timestamp, name).toBeDefined();
    }
  });
});
