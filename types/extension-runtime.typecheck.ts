// Compiled with the extension (tsconfig.json), never bundled: proves extension code cannot reach
// Node. Should Node's types leak in again (see types/vite.d.ts), a directive below goes unused
// and `npm run typecheck` fails with TS2578.

// @ts-expect-error: no node:* modules in the extension
// biome-ignore lint/correctness/noNodejsModules: this file proves tsc rejects it (the lint rule rejects it too)
import { createHash } from 'node:crypto';
// @ts-expect-error: no Node globals either
// biome-ignore lint/correctness/noProcessGlobal: this file proves tsc rejects it
export const env = process.env;
// @ts-expect-error: nor Buffer
export const bytes = Buffer.from('');

// What the extension does have: the browser's globals and WXT's.
export const title: string = document.title;
export const id: string = browser.runtime.id;
export const hash: unknown = createHash;
