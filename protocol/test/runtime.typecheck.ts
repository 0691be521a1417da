// Compiled with the protocol (protocol/tsconfig.json), never run: proves a contract cannot lean on
// either runtime. Should DOM or Node types come in, a directive below goes unused and
// `npm run typecheck` fails with TS2578.

// @ts-expect-error: no DOM
export const title = document.title;
// @ts-expect-error: no Node globals
// biome-ignore lint/correctness/noProcessGlobal: this file proves tsc rejects it
export const env = process.env;
// @ts-expect-error: no node:* modules
// biome-ignore lint/correctness/noNodejsModules: this file proves tsc rejects it (the lint rules reject it too)
// biome-ignore lint/style/noRestrictedImports: as above
export { createHash } from 'node:crypto';

// What every runtime has: the language's own library.
export const id: string = 'Alice@Example.com'.normalize('NFKC').toLowerCase();
