// Compiled with the board page (relay/board/tsconfig.json), never bundled: proves the page cannot
// reach Node although it lives in the relay's package. Should Node's types leak in, a directive
// below goes unused and `npm run typecheck` fails with TS2578.

// @ts-expect-error: no node:* modules in the page
// biome-ignore lint/correctness/noNodejsModules: this file proves tsc rejects it (the lint rule rejects it too)
import { createHash } from 'node:crypto';
// @ts-expect-error: no Node globals either
// biome-ignore lint/correctness/noProcessGlobal: this file proves tsc rejects it
export const env = process.env;
// @ts-expect-error: nor Buffer
export const bytes = Buffer.from('');

// What the page does have: the browser's globals.
export const title: string = document.title;
export const stored: Storage = sessionStorage;
export const hash: unknown = createHash;
