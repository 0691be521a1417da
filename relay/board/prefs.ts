// What the page remembers in this browser. The token: in sessionStorage (gone with the tab) unless
// "Remember on this screen" is ticked, for a wall screen that must come back after a reboot; then in
// localStorage. Never in a cookie, so it is never sent by itself. Storage can be refused (privacy
// settings, a full quota): the page then works for this visit and remembers nothing.

const TOKEN_KEY = 'switchboard.board.token';
const LANG_KEY = 'switchboard.board.lang';
const LARGE_KEY = 'switchboard.board.large';

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Refused storage: nothing is remembered, the page still works.
  }
}

const session = () => sessionStorage;
const local = () => localStorage;

export function readToken(): string | undefined {
  return read(session, TOKEN_KEY) || read(local, TOKEN_KEY) || undefined;
}

export function saveToken(token: string, remember: boolean): void {
  write(remember ? local : session, TOKEN_KEY, token);
  write(remember ? session : local, TOKEN_KEY, null);
}

export function forgetToken(): void {
  write(session, TOKEN_KEY, null);
  write(local, TOKEN_KEY, null);
}

export const readLang = (): string | null => read(local, LANG_KEY);
export const saveLang = (lang: string): void => write(local, LANG_KEY, lang);
export const readLarge = (): boolean => read(local, LARGE_KEY) === '1';
export const saveLarge = (large: boolean): void => write(local, LARGE_KEY, large ? '1' : null);
