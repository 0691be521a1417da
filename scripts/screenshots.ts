// `npm run screenshots`: the store's screenshots (docs/store/, 1280×800, listed in
// scripts/store-shots.ts) and the README's picture of the popup (docs/popup.png), made from the
// real thing: the built extension in the system's Chromium, set up through its options page
// against the sandbox (as SnapEngage) and a real relay, started as the end-to-end tests start them
// (scripts/browser/relay-sandbox.ts). A morning's chats and status changes arrive as webhooks
// through the relay, dated earlier today; the pause is clicked in the popup.
//
// The popup is 320 px wide, so each store picture is composed: the page, captured at 2× device
// scale, placed on a plain 1280×800 canvas under a one-line caption. Chromium's notifications are
// drawn by the system and cannot be captured: the notification picture draws what the extension
// passed to chrome.notifications.create (title, message, context line, buttons, icon) as a card.
//
// Then the team lead's board and a report (docs/board.png, docs/board-report.png; scripts/board-screenshots.ts).
//
// Flags: --out <dir> writes every picture there instead (docs/popup.png too, as popup.png; the board's
// as board.png and board-report.png);
// --no-build uses the extension already in .output/chrome-mv3.
import './require-node';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { makeBoardScreenshots } from './board-screenshots';
import { EXTENSION_DIR, launchExtension, type Launched } from './browser/fixtures';
import { OptionsPage, PopupPage } from './browser/pages';
import { POLICY_DIR, writeChromiumPolicy, type WrittenPolicy } from './browser/policy';
import { setUpConnected, startRelayAndSandbox } from './browser/relay-sandbox';
import { pngSize, pngWriter, type WrittenPng } from './png';
import { SHOT_SIZE, STORE_SHOTS, type ShotFile } from './store-shots';
import type { Sandbox } from '../sandbox/server';

const ROOT = resolve(import.meta.dirname, '..');
const STORE_DIR = join(ROOT, 'docs/store');
const README_POPUP = join(ROOT, 'docs/popup.png');
const AGENT = 'alice@example.com';
/** The options picture is taken with a team policy in it (scripts/browser/policy.ts). */
const POLICY_FILE_NAME = 'switchboard-screenshots.json';
export const POLICY_FILE = join(POLICY_DIR, POLICY_FILE_NAME);
const MINUTE = 60_000;

/** The morning the pictures show, in minutes before now: status changes made in SnapEngage, and chats. */
const MORNING: readonly (
  | { ago: number; status: 'online' | 'pause'; substatus?: string }
  | { ago: number; chat: string; kind: 'assigned' | 'closed' }
)[] = [
  { ago: 118, status: 'online' },
  { ago: 112, chat: 'priya', kind: 'assigned' },
  { ago: 104, chat: 'priya', kind: 'closed' },
  { ago: 96, chat: 'tom', kind: 'assigned' },
  { ago: 87, chat: 'tom', kind: 'closed' },
  { ago: 71, status: 'pause', substatus: 'Lunch' },
  { ago: 38, status: 'online' },
  { ago: 33, chat: 'lena', kind: 'assigned' },
  { ago: 27, chat: 'lena', kind: 'closed' },
  { ago: 12, chat: 'marco', kind: 'assigned' },
  { ago: 3, chat: 'kim', kind: 'assigned' },
];
const VISITORS: Record<string, { visitorName: string; visitorEmail: string; question: string }> = {
  priya: { visitorName: 'Priya Shah', visitorEmail: 'priya.shah@example.org', question: 'Do you ship to Norway?' },
  tom: { visitorName: 'Tom Becker', visitorEmail: 'tom.becker@example.org', question: 'My discount code says it has expired.' },
  lena: { visitorName: 'Lena Fischer', visitorEmail: 'lena.fischer@example.org', question: 'How do I return a damaged item?' },
  marco: { visitorName: 'Marco Rossi', visitorEmail: 'marco.rossi@example.org', question: 'Is the blue jacket back in stock in M?' },
  kim: { visitorName: 'Kim Nguyen', visitorEmail: 'kim.nguyen@example.org', question: 'Can I change my delivery address?' },
};
const OPEN_CHATS = ['Marco Rossi', 'Kim Nguyen'];
const CLOSED_CHATS = 3;
/** What the popup's pause is clicked with. */
const PAUSE_REASON = 'Meeting';

interface CreatedNotification {
  id: string;
  options: { title: string; message: string; contextMessage?: string; iconUrl?: string; buttons?: { title: string }[] };
}

/**
 * Takes every picture. `outDir`: where the store's go; `readmePopup`: where the README's popup
 * goes. Starts and stops its own sandbox, relay and Chromium; the team policy file it writes
 * before Chromium starts is removed before it returns or throws.
 */
export async function makeScreenshots({
  outDir = STORE_DIR,
  readmePopup = README_POPUP,
  log = (line: string) => console.log(line),
}: {
  outDir?: string;
  readmePopup?: string;
  log?: (line: string) => void;
} = {}): Promise<WrittenPng[]> {
  mkdirSync(outDir, { recursive: true });
  const written: WrittenPng[] = [];
  const write = pngWriter(written, log);
  const policy = writeTeamPolicy(log);
  let started: Awaited<ReturnType<typeof startRelayAndSandbox>> | undefined;
  let ext: Launched | undefined;
  try {
    started = await startRelayAndSandbox();
    const { relay, sandbox } = started;
    ext = await launchExtension({ deviceScaleFactor: 2 });
    await setUpConnected(ext, sandbox, relay, AGENT);
    await recordNotifications(ext);
    await liveTheMorning(sandbox);

    const popup = await PopupPage.open(ext);
    await popup.page.setViewportSize({ width: 360, height: 900 });
    for (const name of OPEN_CHATS) await popup.page.getByTestId('open-chats').filter({ hasText: name }).waitFor({ timeout: 15_000 });
    await popup.pause(PAUSE_REASON);
    await popup.waitForDelivery('Confirmed by SnapEngage');
    const inUse = await popup.page.locator('main').screenshot();
    write(join(outDir, 'popup-in-use.png'), await compose(ext, captionOf('popup-in-use.png'), [[inUse]]));

    await popup.page.getByText('Today').click();
    await popup.page
      .getByTestId('today-numbers')
      .filter({ hasText: new RegExp(`Chats handled\\s*${CLOSED_CHATS}(?!\\d)`) })
      .waitFor({ timeout: 15_000 });
    const today = await popup.page.locator('main').screenshot();
    write(join(outDir, 'open-chats-today.png'), await compose(ext, captionOf('open-chats-today.png'), [[today]]));
    // The README shows it at the popup's own size.
    write(readmePopup, await popup.page.locator('main').screenshot({ scale: 'css' }));
    await popup.page.close();

    await teamPolicyInEffect(ext, policy, log);
    const { page } = await OptionsPage.open(ext);
    // A narrow tab, so that two columns of its sections fit the picture at a readable size.
    await page.setViewportSize({ width: 560, height: 900 });
    const section = (name: string) => page.getByRole('region', { name, exact: true }).screenshot();
    const sections = [[await section('SnapEngage')], [await section('Chat alerts (relay)'), await section('Pause reasons')]];
    write(join(outDir, 'options.png'), await compose(ext, captionOf('options.png'), sections, 'one'));

    const notices = await noticesShown(ext);
    write(join(outDir, 'notification.png'), await composeNotifications(ext, captionOf('notification.png'), notices));
    return written;
  } finally {
    await ext?.close();
    await started?.sandbox.close();
    await started?.relay.dispose();
    policy.remove();
  }
}

const captionOf = (file: ShotFile) => STORE_SHOTS.find((s) => s.file === file)!.caption;

/** The morning's webhooks, each delivered (and stored by the relay) before the next, in order of time. */
async function liveTheMorning(sandbox: Sandbox): Promise<void> {
  const now = Date.now();
  const midnight = new Date(now).setHours(0, 0, 0, 0);
  // Soon after midnight the morning is squeezed into today, so that it counts in today's numbers.
  const scale = Math.min(1, (now - midnight - MINUTE) / (MORNING[0]!.ago * MINUTE));
  const conversationIds: Record<string, string> = {};
  for (const step of MORNING) {
    const at = Math.round(now - step.ago * MINUTE * scale);
    if ('status' in step) {
      const { delivery } = await sandbox.changeStatusInHub(AGENT, step.status, step.substatus, at);
      if (!delivery?.ok) throw new Error(`the relay did not take the status webhook: ${JSON.stringify(delivery)}`);
      continue;
    }
    conversationIds[step.chat] ??= randomUUID();
    const fired = await sandbox.fire(step.kind, {
      agent: AGENT,
      conversationId: conversationIds[step.chat],
      timestamp: at,
      ...VISITORS[step.chat],
    });
    if (!fired.ok) throw new Error(`the relay did not take the ${step.kind} webhook: ${JSON.stringify(fired)}`);
  }
}

/**
 * Records what the extension's notification code (lib/notifications/notify.ts) passes to
 * chrome.notifications.create, in the worker, from now on; the notifications are still shown.
 */
async function recordNotifications(ext: Launched): Promise<void> {
  const worker = await ext.worker();
  await worker.evaluate(() => {
    const notifications = chrome.notifications as unknown as { create: (id: string, options: object) => Promise<string> };
    const create = notifications.create.bind(notifications);
    const record: unknown[] = [];
    (globalThis as { createdNotifications?: unknown[] }).createdNotifications = record;
    notifications.create = (id, options) => {
      record.push({ id, options });
      return create(id, options);
    };
  });
}

/** The newest "New chat" and "Chat closed" notifications the extension created, as it created them. */
async function noticesShown(ext: Launched): Promise<CreatedNotification[]> {
  const worker = await ext.worker();
  const created = await worker.evaluate(() => (globalThis as { createdNotifications?: CreatedNotification[] }).createdNotifications);
  if (!created) throw new Error('the worker restarted: the notifications it created were not recorded');
  const newest = (prefix: string) => created.findLast((n) => n.options.title.startsWith(prefix));
  const assigned = newest(`New chat: ${VISITORS.kim!.visitorName}`);
  const closed = newest(`Chat closed: ${VISITORS.lena!.visitorName}`);
  if (!(assigned && closed)) throw new Error(`expected notifications missing; created: ${created.map((n) => n.options.title).join(', ')}`);
  return [assigned, closed];
}

/** The team's policy in the pictures: IT sets the pause reasons; the setup (as an agent types it) sets the rest. */
const TEAM_POLICY = {
  substatuses: ['Lunch', 'Break', 'Meeting', 'Training', 'On a call'],
  quickPauseSubstatus: 'Break',
  callSubstatus: 'On a call',
};

/**
 * Puts the team policy in Chromium's policy directory before Chromium starts, as IT's would be.
 * Skipped, saying why, when the directory cannot be written (not root).
 */
function writeTeamPolicy(log: (line: string) => void): WrittenPolicy {
  const policy = writeChromiumPolicy(POLICY_FILE_NAME, TEAM_POLICY, EXTENSION_DIR);
  if ('skipped' in policy.written) log(`  ${policy.written.skipped}: the options picture shows no team policy`);
  else onInterrupt = policy.remove;
  return policy;
}

/** What Ctrl+C takes away: the policy written, and the directories made for it. */
let onInterrupt = (): void => undefined;

/**
 * When the extension declares a managed storage schema, waits until it sees the team policy (so the
 * options page shows those fields locked); without one, Chromium hands the extension nothing and the
 * picture shows the options as the agent set them.
 */
async function teamPolicyInEffect(ext: Launched, policy: WrittenPolicy, log: (line: string) => void): Promise<void> {
  if ('skipped' in policy.written) return;
  if (policy.written.id !== ext.extensionId)
    throw new Error(`Chromium gave the extension the id ${ext.extensionId}; the policy was written for ${policy.written.id}`);
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as { storage?: { managed_schema?: string } };
  if (!manifest.storage?.managed_schema) {
    log(`  ${POLICY_FILE} written, but the manifest declares no storage.managed_schema: Chromium gives the extension nothing`);
    return;
  }
  // Chromium answers storage.managed once its deferred start-up work has run: seconds after its first
  // tab has loaded (launchExtension leaves one: scripts/browser/fixtures.ts), 3 minutes after start if none had.
  log('  waiting for Chromium to hand the team policy to the extension…');
  const worker = await ext.worker();
  let timer: NodeJS.Timeout | undefined;
  const managed = await Promise.race([
    worker.evaluate(() => chrome.storage.managed.get()),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error('chrome.storage.managed.get() did not answer within 30 s: did the browser lose its first tab before it loaded?'),
          ),
        30_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const missing = Object.keys(TEAM_POLICY).filter((k) => !(k in managed));
  if (missing.length)
    throw new Error(`the extension's managed storage lacks ${missing.join(', ')} of ${POLICY_FILE}: ${JSON.stringify(managed)}`);
  log(`  team policy in effect (${POLICY_FILE})`);
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

const CAPTION = { size: 28, top: 32 };
const GAP = 40;
const CANVAS_CSS = `
  html, body { margin: 0; width: ${SHOT_SIZE.width}px; height: ${SHOT_SIZE.height}px; overflow: hidden; }
  body { background: #eef1f5; color: #1b1f24; font-family: system-ui, sans-serif; display: flex; flex-direction: column; align-items: center; }
  h1 { font-size: ${CAPTION.size}px; line-height: 1.2; font-weight: 600; margin: ${CAPTION.top}px 40px 0; white-space: nowrap; }
  .stage { flex: 1; min-height: 0; display: flex; align-items: center; justify-content: center; gap: ${GAP}px; }
  .column { display: flex; flex-direction: column; gap: ${GAP / 2}px; }
  .card { background: #fff; border-radius: 10px; box-shadow: 0 14px 40px rgb(15 23 42 / 18%), 0 2px 6px rgb(15 23 42 / 8%); overflow: hidden; }
  .one { padding: 16px; align-items: flex-start; }
  .column img { display: block; }
  .footnote { font-size: 15px; color: #5c6670; margin: 0 0 22px; }
`;
/** Room for the pictures, in CSS pixels: the canvas less the caption, the margins and (for 'one') the card's padding. */
const STAGE = { width: SHOT_SIZE.width - 2 * 48, height: SHOT_SIZE.height - CAPTION.top - CAPTION.size * 1.2 - 2 * 30 };

/**
 * Lays pictures (captured at 2×) out in columns under `caption` and captures the canvas at exactly
 * 1280×800: as large as fits, never larger than twice the page's own size. `card`: a card per
 * picture ('each', the popup) or one card holding them all ('one': sections of the options page).
 */
async function compose(ext: Launched, caption: string, columns: Buffer[][], card: 'each' | 'one' = 'each'): Promise<Buffer> {
  const size = (p: Buffer) => pngSize(p).map((px) => px / 2) as [number, number];
  const padding = card === 'one' ? 32 : 0;
  const widths = columns.map((c) => Math.max(...c.map((p) => size(p)[0])));
  const heights = columns.map((c) => c.reduce((sum, p) => sum + size(p)[1], 0) + (GAP / 2) * (c.length - 1));
  const scale = Math.min(
    2,
    (STAGE.width - padding - GAP * (columns.length - 1)) / widths.reduce((a, b) => a + b, 0),
    (STAGE.height - padding) / Math.max(...heights),
  );
  const img = (p: Buffer) => {
    const [w, h] = size(p);
    const tag = `<img src="${dataUrl(p)}" alt="" style="width:${w * scale}px;height:${h * scale}px">`;
    return card === 'each' ? `<div class="card">${tag}</div>` : tag;
  };
  const laidOut = columns.map((c) => `<div class="column">${c.map(img).join('')}</div>`).join('');
  return capture(ext, caption, card === 'each' ? laidOut : `<div class="card one stage">${laidOut}</div>`);
}

/**
 * Draws each notification as a card from what the extension passed to chrome.notifications.create,
 * the way Chromium's own notifications lay it out (the system's may look different: said under it).
 */
async function composeNotifications(ext: Launched, caption: string, notices: CreatedNotification[]): Promise<Buffer> {
  // The icon the notification names (chrome-extension://<id>/icon/128.png), from the built extension.
  const icon = (url: string) => dataUrl(readFileSync(join(EXTENSION_DIR, new URL(url).pathname)));
  // Chromium's header names the extension with its small icon.
  const appIcon = dataUrl(readFileSync(join(EXTENSION_DIR, 'icon/32.png')));
  const card = ({ options: n }: CreatedNotification) => `
    <div class="card note">
      <div class="note__app"><img src="${appIcon}" alt="">Switchboard<span>· now</span></div>
      <div class="note__body">
        <div class="note__text">
          <div class="note__title">${escapeHtml(n.title)}</div>
          <div class="note__message">${escapeHtml(n.message)}</div>
          ${n.contextMessage ? `<div class="note__context">${escapeHtml(n.contextMessage)}</div>` : ''}
        </div>
        ${n.iconUrl ? `<img class="note__icon" src="${icon(n.iconUrl)}" alt="">` : ''}
      </div>
      ${n.buttons?.length ? `<div class="note__buttons">${n.buttons.map((b) => `<span>${escapeHtml(b.title)}</span>`).join('')}</div>` : ''}
    </div>`;
  const css = `
    .notes { display: grid; gap: 18px; zoom: 1.6; }
    .note { width: 480px; font-size: 13px; }
    .note__app { display: flex; align-items: center; gap: 6px; padding: 10px 14px 0; color: #5c6670; font-size: 12px; }
    .note__app img { width: 14px; height: 14px; }
    .note__app span { color: #8a939c; }
    .note__body { display: flex; gap: 12px; padding: 6px 14px 12px; }
    .note__text { flex: 1; min-width: 0; }
    .note__title { font-weight: 600; font-size: 14px; }
    .note__message { margin-top: 2px; }
    .note__context { margin-top: 2px; color: #5c6670; font-size: 12px; }
    .note__icon { width: 44px; height: 44px; }
    .note__buttons { border-top: 1px solid #e3e7eb; display: flex; }
    .note__buttons span { padding: 10px 14px; color: #1565c0; font-weight: 600; }
  `;
  return capture(ext, caption, `<div class="notes">${notices.map(card).join('')}</div>`, {
    css,
    footnote: 'What Switchboard puts in its notifications; your system draws them in its own style.',
  });
}

/** Renders the caption and `stage` on the 1280×800 canvas in a page of its own and captures it at one pixel per CSS pixel. */
async function capture(ext: Launched, caption: string, stage: string, { css = '', footnote = '' } = {}): Promise<Buffer> {
  const page: Page = await ext.context.newPage();
  try {
    await page.setViewportSize(SHOT_SIZE);
    await page.setContent(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><style>${CANVAS_CSS}${css}</style></head>` +
        `<body><h1>${escapeHtml(caption)}</h1><div class="stage">${stage}</div>` +
        `${footnote ? `<p class="footnote">${escapeHtml(footnote)}</p>` : ''}</body></html>`,
    );
    await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    const overflow = await page.evaluate(() => {
      const h1 = document.querySelector('h1')!;
      return h1.getBoundingClientRect().left < 0 || h1.getBoundingClientRect().right > innerWidth ? h1.textContent : '';
    });
    if (overflow) throw new Error(`the caption is wider than the picture, shorten it: ${overflow}`);
    return await page.screenshot({ scale: 'css' });
  } finally {
    await page.close();
  }
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } });
  const started = Date.now();
  if (!values['no-build']) {
    console.log('▶ Building the extension (.output/chrome-mv3)…');
    const build = spawnSync('npx', ['wxt', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      onInterrupt();
      process.exit(130);
    });
  const out = values.out ? resolve(values.out) : undefined;
  console.log('▶ Taking the screenshots (sandbox, relay, Chromium; then the board)…');
  try {
    await makeScreenshots(out ? { outDir: out, readmePopup: join(out, 'popup.png') } : {});
    await makeBoardScreenshots(out ? { board: join(out, 'board.png'), report: join(out, 'board-report.png') } : {});
    console.log(`✔ done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
