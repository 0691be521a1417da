import { fileURLToPath } from 'node:url';
import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import type { Plugin } from 'vite';
import { GECKO_ID, MIN_CHROME, MIN_FIREFOX, MIN_FIREFOX_ANDROID } from './browser-support';
import { STABLE_ID_ENV, TEST_EXTENSION_KEY } from './extension-key';

// Suggested keys were checked against Chromium 156: Alt+Shift+P and Ctrl+Shift+P
// are silently left unassigned there, these four are assigned (see tests/e2e).
export const COMMAND_KEYS = {
  'toggle-pause': 'Alt+Shift+K',
  'quick-pause': 'Alt+P',
  'back-online': 'Ctrl+Shift+Y',
} as const;

export default defineConfig({
  // `npm start` builds its demo (set up for the local sandbox) apart from the real build.
  outDir: process.env.SWITCHBOARD_OUT_DIR ?? '.output',
  modules: ['@wxt-dev/webextension-polyfill'],
  // The sources zip AMO asks for holds what builds the add-on, not local leftovers (see .gitignore).
  zip: { excludeSources: ['tmp/**', 'data/**', 'test-results/**', 'bench/results/**', 'bench/scratch/**', '**/*.log'] },
  vite: () => ({ plugins: [preact()] }),
  hooks: {
    // The store refuses a manifest with `key` (extension-key.ts): a build that has one is not zipped.
    'zip:start': () => {
      if (process.env[STABLE_ID_ENV])
        throw new Error(`${STABLE_ID_ENV} is set: this build carries a manifest key, which the Chrome Web Store refuses`);
    },
    // PRIVACY.md ships inside the extension as privacy.txt; the options page links to it.
    'build:publicAssets': (_wxt, files) => {
      files.push({ absoluteSrc: fileURLToPath(new URL('./PRIVACY.md', import.meta.url)), relativeDest: 'privacy.txt' });
    },
    // The popup's time to interactive is mostly waiting on the browser to serve its files, so it
    // gets a build of its own: one JS file (no chunk shared with the options page) and its CSS
    // inlined in popup.html (no stylesheet request that scripts wait for).
    'entrypoints:grouped': (_wxt, groups) => {
      for (const group of [...groups]) {
        if (!Array.isArray(group) || group.length < 2) continue;
        const i = group.findIndex((e) => e.name === 'popup');
        if (i >= 0) groups.push(group.splice(i, 1));
      }
    },
    'vite:build:extendConfig': (entrypoints, config) => {
      if (entrypoints.length !== 1 || entrypoints[0]!.name !== 'popup') return;
      config.plugins ??= [];
      config.plugins.push(inlineCss(), noPreloadHelper());
      // Browsers with MV3 support modulepreload: no polyfill, and nothing to preload around the popup's one dynamic import.
      config.build ??= {};
      config.build.modulePreload = false;
    },
  },
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: ['storage', 'alarms', 'notifications', 'idle'],
    // Host access is requested at runtime for the API host and relay the agent saves.
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    host_permissions: [],
    action: { default_title: 'Switchboard — not set up' },
    commands: {
      'toggle-pause': { suggested_key: { default: COMMAND_KEYS['toggle-pause'] }, description: '__MSG_cmdToggle__' },
      'quick-pause': { suggested_key: { default: COMMAND_KEYS['quick-pause'] }, description: '__MSG_cmdQuickPause__' },
      'back-online': { suggested_key: { default: COMMAND_KEYS['back-online'] }, description: '__MSG_cmdBackOnline__' },
    },
    // The minimums are the newest platform features the code relies on (browser-support.ts).
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: `${MIN_FIREFOX}.0`,
              // What leaves the browser, in Mozilla's categories; PRIVACY.md says what and why.
              data_collection_permissions: { required: ['personallyIdentifyingInfo', 'authenticationInfo'] },
            },
            // Firefox for Android has the built-in data consent from 142 (desktop: 140).
            gecko_android: { strict_min_version: `${MIN_FIREFOX_ANDROID}.0` },
          },
        }
      : {
          minimum_chrome_version: String(MIN_CHROME),
          // A team's policy (docs/rollout.md; lib/settings/managed.ts reads it). Chrome hands an extension
          // its 3rdparty policy only when it declares a schema; Firefox reads policies.json without one.
          storage: { managed_schema: 'managed_schema.json' },
          ...(process.env[STABLE_ID_ENV] ? { key: TEST_EXTENSION_KEY } : {}),
        }),
  }),
});

/** Replaces the page's stylesheet links with <style> elements (MV3's CSP restricts scripts, not styles). */
/**
 * Vite wraps every dynamic import in its preload helper (~1.7 KB, ~0.7 KB gzipped), even with
 * modulePreload off, when the import has nothing to preload. The popup's one dynamic import
 * (./components/popup-check) has no CSS (inlined) and no JS to preload, so the helper it gets
 * just runs the import.
 */
function noPreloadHelper(): Plugin {
  const id = '\0vite/preload-helper.js';
  return {
    name: 'switchboard:no-preload-helper',
    enforce: 'pre',
    load: (source) => (source === id ? 'export const __vitePreload = (load) => load();' : undefined),
  };
}

function inlineCss(): Plugin {
  return {
    name: 'switchboard:inline-css',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        return html.replace(/<link rel="stylesheet"[^>]*href="\/?([^"]+\.css)"[^>]*>/g, (tag, file: string) => {
          const asset = ctx.bundle?.[file];
          if (asset?.type !== 'asset') return tag;
          delete ctx.bundle![file];
          return `<style>${String(asset.source)}</style>`;
        });
      },
    },
  };
}
