// The browser's own promise-based extension API: `browser` in Firefox, `chrome` in Chromium
// (what `wxt/browser` is without the polyfill module). The popup, and the modules it shares
// with the rest, use it: the polyfill adds ~3 KB gzipped to a popup with a 20 KB budget, and
// nothing they call (storage, runtime.sendMessage/openOptionsPage) differs between MV3 browsers.
// The background keeps the polyfill, for promise-returning onMessage listeners.
export { browser } from '@wxt-dev/browser';

declare global {
  interface ImportMetaEnv {
    /** JSON settings baked into the demo build by `npm start` (never set for real builds). */
    readonly WXT_DEMO_SETTINGS?: string;
  }
}
