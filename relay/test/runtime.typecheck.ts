// Compiled with the relay (relay/tsconfig.json), never run: proves relay code cannot reach the
// browser's globals. Should DOM types come in, a directive below goes unused and
// `npm run typecheck` fails with TS2578.

// @ts-expect-error: no DOM in the relay
export const title = document.title;
// @ts-expect-error: nor window
// biome-ignore lint/style/useGlobalThis: `window` itself is what must not compile here
export const here = window.location;

// What the relay does have: Node's modules and globals.
export { createHash } from 'node:crypto';
export const env: NodeJS.ProcessEnv = process.env;
