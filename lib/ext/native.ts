// The browser's own promise-based extension API: `browser` in Firefox, `chrome` in Chromium
// (what `wxt/browser` is without the polyfill module). The rule, enforced by biome.jsonc: every
// extension module imports `browser` from here. The polyfill adds ~3 KB gzipped (the popup has a
// 20 KB budget), and nothing the extension calls differs between MV3 browsers but one thing: a
// runtime.onMessage listener that answers by returning a promise, which lib/background/main.ts
// registers through the polyfill (the one module allowed `wxt/browser`).
export { browser } from '@wxt-dev/browser';

declare global {
  interface ImportMetaEnv {
    /** JSON settings baked into the demo build by `npm start` (never set for real builds). */
    readonly WXT_DEMO_SETTINGS?: string;
  }
}
