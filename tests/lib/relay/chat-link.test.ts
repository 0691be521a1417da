import { describe, expect, it } from 'vitest';
import { chatLink } from '@/lib/relay/chat-link';

const REBUILT = 'https://www.snapengage.com/viewcase?c=conv%2F42%20x';

describe('the "Open chat" link', () => {
  it("keeps an https:// link on SnapEngage's host, or on the API host the extension is set up with", () => {
    expect(chatLink('https://www.snapengage.com/viewcase?c=abc', 'abc')).toBe('https://www.snapengage.com/viewcase?c=abc');
    expect(chatLink('https://eu.snapengage.com/hub/c/abc', 'abc')).toBe('https://eu.snapengage.com/hub/c/abc');
    expect(chatLink('https://snapengage.com/viewcase?c=abc')).toBe('https://snapengage.com/viewcase?c=abc');
    expect(chatLink('https://se.internal.example/viewcase?c=abc', 'abc', 'https://se.internal.example')).toBe(
      'https://se.internal.example/viewcase?c=abc',
    );
  });

  it('rebuilds anything else from the conversation id (URL-encoded), or offers none', () => {
    for (const hostile of [
      'https://snapengage.evil.example/login',
      'javascript:alert(document.cookie)',
      'http://www.snapengage.com/viewcase?c=abc',
      'https://www.snapengage.com.evil.example/viewcase?c=abc',
      'https://evilsnapengage.com/viewcase',
      'https://user:pass@www.snapengage.com/viewcase',
      'data:text/html,<script>alert(1)</script>',
      'not a url',
      '',
      undefined,
    ]) {
      expect(chatLink(hostile, 'conv/42 x'), String(hostile)).toBe(REBUILT);
      expect(chatLink(hostile), String(hostile)).toBeUndefined();
    }
    // The API host counts only over https, and only that host.
    expect(chatLink('http://127.0.0.1:8788/viewcase?c=1', '1', 'http://127.0.0.1:8788')).toBe('https://www.snapengage.com/viewcase?c=1');
    expect(chatLink('https://other.example/x', '1', 'https://se.internal.example')).toBe('https://www.snapengage.com/viewcase?c=1');
  });
});
