// Stands in for `vite` in the extension's tsconfig only. WXT's type declarations import vite's,
// and vite's reference @types/node: with the real ones, Node's globals and `node:*` modules would
// type-check in extension code. The extension's code never imports vite (wxt.config.ts and the
// vitest configs do, under tsconfig.node.json), so nothing it uses is lost.
export {};
