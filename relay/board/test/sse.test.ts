import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from '../sse';

/** Everything the parser gives for `chunks` fed in order. */
function parse(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
}

describe('the board stream parser (server-sent events)', () => {
  it('gives each event its type and data once its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: snapshot\ndata: {"now":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'snapshot', data: '{"now":1}' }]);
    expect(parser.push('event: agent\ndata: {"a":2}\n\nevent: agent\ndata: {"a":3}\n\n')).toEqual([
      { event: 'agent', data: '{"a":2}' },
      { event: 'agent', data: '{"a":3}' },
    ]);
  });

  it('gives the same events wherever the stream is cut into chunks, CRLF, lone CR and comments included', () => {
    const stream =
      '\uFEFF: hello\r\nevent: snapshot\r\ndata: {"x":"ä"}\r\n\r\n: keep-alive\n\nevent: agent\rdata: line one\rdata: line two\r\r' +
      'data: plain\n\nevent: agent\ndata: {"last":true}\n\n';
    const expected: SseEvent[] = [
      { event: 'snapshot', data: '{"x":"ä"}' },
      { event: 'agent', data: 'line one\nline two' },
      { event: 'message', data: 'plain' },
      { event: 'agent', data: '{"last":true}' },
    ];
    expect(parse([stream])).toEqual(expected);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect({ cut, events: parse([stream.slice(0, cut), stream.slice(cut)]) }).toEqual({ cut, events: expected });
    }
    // And one character at a time.
    expect(parse([...stream])).toEqual(expected);
  });

  it('reads a CR at the end of one chunk and an LF at the start of the next as one line end, not two', () => {
    // Read as two line ends, the LF would be a blank line and dispatch "a" on its own.
    expect(parse(['data: a\r', '\ndata: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
    expect(parse(['data: a\r', '', '\ndata: b\n\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('skips comments, also inside an event, and sends nothing for a keep-alive', () => {
    expect(parse([': keep-alive\n\n', ':\n\n'])).toEqual([]);
    expect(parse(['event: agent\n: between\ndata: x\n\n'])).toEqual([{ event: 'agent', data: 'x' }]);
  });

  it('joins data lines with newlines and strips exactly one space after the colon', () => {
    expect(parse(['data:no space\ndata:  two spaces\ndata\ndata:\n\n'])).toEqual([{ event: 'message', data: 'no space\n two spaces\n\n' }]);
    expect(parse(['data: {"a":\ndata: 1}\n\n'])).toEqual([{ event: 'message', data: '{"a":\n1}' }]);
  });

  it('dispatches no event without a data line, and its type does not leak into the next', () => {
    expect(parse(['event: snapshot\n\ndata: x\n\n'])).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('keeps an unfinished event back: a stream that ends mid-event gives nothing for it', () => {
    const parser = new SseParser();
    expect(parser.push('event: agent\ndata: {"half":')).toEqual([]);
    expect(parser.push('1}\n')).toEqual([]);
  });

  it('ignores fields it does not know and carries the last id', () => {
    expect(parse(['retry: 10\nfoo: bar\nid: 7\ndata: a\n\ndata: b\n\nid: bad\0id\ndata: c\n\n'])).toEqual([
      { event: 'message', data: 'a', id: '7' },
      { event: 'message', data: 'b', id: '7' },
      { event: 'message', data: 'c', id: '7' },
    ]);
  });

  it('strips a byte order mark only at the very start of the stream', () => {
    expect(parse(['', '\uFEFFdata: a\n\n', '\uFEFFdata: b\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      // A later BOM is part of a line: here it makes the field name unknown, so the event has no data.
    ]);
  });

  it('keeps multi-byte text intact when the bytes are split inside a character (decoded as the page does)', () => {
    const bytes = new TextEncoder().encode('data: {"name":"Jürgen Öztürk 日本"}\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new TextDecoder();
      const parser = new SseParser();
      const events = [
        ...parser.push(decoder.decode(bytes.slice(0, cut), { stream: true })),
        ...parser.push(decoder.decode(bytes.slice(cut), { stream: true })),
      ];
      expect(events).toEqual([{ event: 'message', data: '{"name":"Jürgen Öztürk 日本"}' }]);
    }
  });
});
