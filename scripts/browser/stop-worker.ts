// Stop the extension's MV3 service worker the way Chromium does when it is idle.
//
// Why: Playwright attaches DevTools to every service worker it sees, and an attached
// worker is never ended for idleness, so waiting 30 s does not reproduce the real stop.
// Instead we ask the browser to stop it over a raw CDP session that is NOT attached to the
// worker: a session on a throw-away about:blank page, using the `ServiceWorker` domain
// (`ServiceWorker.enable` → the version of our background script → `ServiceWorker.stopWorker`).
// That is the same code path Chromium takes on its idle timeout: the worker's JS context is
// destroyed (timers, websockets, in-memory state all gone); `chrome.storage` survives.
//
// The worker starts again on its own on any extension event: an alarm, a message from the
// popup/options page (opening `popup.html` does this), a notification click, etc.
// CAUTION (measured, Chromium 156 + playwright-core 1.65): Playwright keeps its `Worker` handle
// after the stop (no 'close' event), and `worker.evaluate(...)` on that handle STARTS the worker
// again (DevTools re-attaches). So `launched.worker()`, `badge()` and `notifications()` all wake
// the worker: do not call them while you want it to stay stopped; use `workerStatus()` instead
// (it only talks to the browser, never to the worker).
//
// Usage:
//   import { stopWorker, workerStatus } from './stop-worker';
//   await stopWorker(ext);               // resolves once Chromium reports the worker 'stopped'
//   await workerStatus(ext);             // 'stopped' | 'starting' | 'running' | 'stopping' | 'none'
import type { CDPSession, Page } from 'playwright-core';
import type { Launched } from './fixtures';

type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';
interface Version {
  versionId: string;
  registrationId: string;
  scriptURL: string;
  runningStatus: RunningStatus;
  status: string;
}

interface Probe {
  page: Page;
  session: CDPSession;
  versions: Map<string, Version>;
  close(): Promise<void>;
}

async function probe(launched: Launched): Promise<Probe> {
  const page = await launched.context.newPage(); // about:blank: does not wake the extension
  const session = await launched.context.newCDPSession(page);
  const versions = new Map<string, Version>();
  const ours = (v: Version) => v.scriptURL.startsWith(`chrome-extension://${launched.extensionId}/`);
  session.on('ServiceWorker.workerVersionUpdated' as never, (e: { versions: Version[] }) => {
    for (const v of e.versions) if (ours(v)) versions.set(v.versionId, v);
  });
  await session.send('ServiceWorker.enable' as never);
  // The enable call replays the current versions as events, after its answer: wait for our
  // activated one (a fixed pause read 'none' whenever the browser was slower than the pause).
  const deadline = Date.now() + 10_000;
  while (![...versions.values()].some((v) => v.status === 'activated') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  return {
    page,
    session,
    versions,
    close: async () => {
      await session.detach().catch(() => undefined);
      await page.close().catch(() => undefined);
    },
  };
}

const activeVersion = (versions: Map<string, Version>) =>
  [...versions.values()].filter((v) => v.status === 'activated').at(-1) ?? [...versions.values()].at(-1);

/** The extension worker's running status as Chromium reports it ('none' if it has no registration). */
export async function workerStatus(launched: Launched): Promise<RunningStatus | 'none'> {
  const p = await probe(launched);
  try {
    return activeVersion(p.versions)?.runningStatus ?? 'none';
  } finally {
    await p.close();
  }
}

/**
 * Stops the extension's service worker (like Chromium's idle stop) and resolves once Chromium
 * reports it 'stopped' (typically < 1 s). Throws after `timeoutMs`.
 */
export async function stopWorker(launched: Launched, { timeoutMs = 10_000 } = {}): Promise<void> {
  const p = await probe(launched);
  try {
    const version = activeVersion(p.versions);
    if (!version) throw new Error(`stopWorker: no service worker registered for ${launched.extensionId}`);
    if (version.runningStatus !== 'stopped') {
      await p.session.send('ServiceWorker.stopWorker' as never, { versionId: version.versionId } as never);
    }
    const deadline = Date.now() + timeoutMs;
    while (p.versions.get(version.versionId)?.runningStatus !== 'stopped') {
      if (Date.now() > deadline)
        throw new Error(`stopWorker: worker still ${p.versions.get(version.versionId)?.runningStatus} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await p.close();
  }
}
