// The store's screenshots: what `npm run screenshots` (scripts/screenshots.ts) writes to
// docs/store/, with the caption drawn on each. docs/store/listing.md lists the same files and
// captions, and tests/store-assets.test.ts holds them to it.

/** Both stores take 1280×800 (or 640×400); the Chrome Web Store shows up to 5, AMO any number. */
export const SHOT_SIZE = { width: 1280, height: 800 } as const;

export const STORE_SHOTS = [
  { file: 'popup-in-use.png', caption: 'Online or paused with a reason in one click, confirmed by SnapEngage' },
  { file: 'open-chats-today.png', caption: 'Your open chats and today’s numbers: chats handled, handling time, pauses' },
  { file: 'options.png', caption: 'Set up once: your SnapEngage account, pause reasons, your team’s relay' },
  { file: 'notification.png', caption: 'A notification the moment a chat reaches you, and when it closes' },
] as const;

export type ShotFile = (typeof STORE_SHOTS)[number]['file'];
