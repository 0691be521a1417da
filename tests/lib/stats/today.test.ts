// Today's chat figures come from the relay; when it cannot give them, the popup says why in the
// agent's language.
import { afterEach, describe, expect, it, vi } from 'vitest';
import de from '../../../public/_locales/de/messages.json';
import en from '../../../public/_locales/en/messages.json';
import { fetchStoredEvents } from '@/lib/stats/today';
import { speak } from '../../setup-i18n';

afterEach(() => {
  vi.unstubAllGlobals();
  speak(en);
});

const fetchFails = (error: Error) =>
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => Promise.reject(error)),
  );
const fetchAnswers = (status: number, body: unknown) =>
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify(body), { status })),
  );

describe('fetching the relay’s stored events', () => {
  it('says why it could not, in words an agent understands', async () => {
    fetchFails(new TypeError('Failed to fetch'));
    await expect(fetchStoredEvents('wss://relay.example.com/ws', 'sb1.x.y')).rejects.toThrow(
      'Could not reach the relay at https://relay.example.com',
    );
    fetchFails(new DOMException('signal timed out', 'TimeoutError'));
    await expect(fetchStoredEvents('wss://relay.example.com/ws', 'sb1.x.y')).rejects.toThrow('The relay did not answer within 5 s');
    // Chrome 103-123 (we support 120+) reject a timed-out fetch with an AbortError; the signal says it timed out.
    fetchFails(new DOMException('The operation was aborted.', 'AbortError'));
    await expect(
      fetchStoredEvents('wss://relay.example.com/ws', 'sb1.x.y', AbortSignal.abort(new DOMException('signal timed out', 'TimeoutError'))),
    ).rejects.toThrow('The relay did not answer within 5 s');
    fetchAnswers(500, { error: 'boom' });
    await expect(fetchStoredEvents('wss://relay.example.com/ws', 'sb1.x.y')).rejects.toThrow('The relay answered HTTP 500');
    fetchAnswers(200, '<html>');
    await expect(fetchStoredEvents('wss://relay.example.com/ws', 'sb1.x.y')).rejects.toThrow(
      'That address answered, but not like a Switchboard relay',
    );
  });

  it('in German too', async () => {
    speak(de);
    fetchAnswers(503, {});
    await expect(fetchStoredEvents('ws://127.0.0.1:8787/ws', 'sb1.x.y')).rejects.toThrow('Das Relay hat mit HTTP 503 geantwortet');
    fetchFails(new TypeError('Failed to fetch'));
    await expect(fetchStoredEvents('ws://127.0.0.1:8787/ws', 'sb1.x.y')).rejects.toThrow(
      'Das Relay unter http://127.0.0.1:8787 ist nicht erreichbar',
    );
  });

  it('reads every page', async () => {
    const event = (seq: number) => ({ seq, id: `e${seq}`, kind: 'closed', at: '2026-11-26T10:00:00.000Z', data: {} });
    const pages = [Array.from({ length: 1000 }, (_, i) => event(i + 1)), [event(1001)]];
    const fetch = vi.fn(async () => Response.json({ generation: 'g', events: pages.shift() }));
    vi.stubGlobal('fetch', fetch);
    expect(await fetchStoredEvents('wss://relay.example.com', 'sb1.x.y')).toHaveLength(1001);
    expect(String((fetch.mock.calls[1] as unknown as [string])[0])).toContain('after=1000');
  });
});
