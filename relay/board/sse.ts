// Server-sent events read from a fetch() body. EventSource cannot send an Authorization header and
// the token must never go in a URL, so the page parses the stream itself, by the HTML standard's
// event-stream rules (html.spec.whatwg.org, "Parsing an event stream"): lines end in CRLF, LF or CR;
// a line starting with ':' is a comment; `data` lines of one event are joined with '\n'; a blank
// line dispatches the event. `retry` is ignored: the page's own backoff decides when to reconnect.

export interface SseEvent {
  /** The `event` field, or 'message' when the event had none. */
  event: string;
  data: string;
  /** The last `id` seen on this stream, if any. */
  id?: string;
}

export class SseParser {
  /** The current line, not yet ended. */
  #line = '';
  #data: string[] = [];
  #event = '';
  #id: string | undefined;
  #started = false;
  /** The last chunk ended with CR: an LF opening the next chunk belongs to that line end. */
  #afterCr = false;

  /** Feeds the next piece of decoded text; returns the events it completed, in order. */
  push(text: string): SseEvent[] {
    let chunk = text;
    if (!chunk) return [];
    if (!this.#started) {
      this.#started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    if (this.#afterCr) {
      this.#afterCr = false;
      if (chunk.startsWith('\n')) chunk = chunk.slice(1);
    }
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.#line + chunk.slice(start, i);
      this.#line = '';
      if (c === 13) {
        if (i + 1 === chunk.length) this.#afterCr = true;
        else if (chunk.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const event = this.#take(line);
      if (event) events.push(event);
    }
    this.#line += chunk.slice(start);
    return events;
  }

  #take(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
  }

  #dispatch(): SseEvent | undefined {
    const data = this.#data;
    const event = this.#event || 'message';
    this.#data = [];
    this.#event = '';
    // An event with no data line is not dispatched (its type is dropped with it).
    if (!data.length) return;
    return this.#id === undefined ? { event, data: data.join('\n') } : { event, data: data.join('\n'), id: this.#id };
  }
}
