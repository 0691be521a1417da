import { browser } from '../ext/native';
import { loadSettings } from '../settings/store';
import { statusItem } from '../status/store';
import { viewStatus } from '../status/view';
import { relayStateItem } from '../relay/state';
import { badgeFor, type Badge } from './layers';

/** Recomputes the badge from storage; called whenever any input layer changes. */
export async function renderBadge(): Promise<Badge> {
  const [settings, status, relay] = await Promise.all([loadSettings(), statusItem.get(), relayStateItem.get()]);
  const badge = badgeFor({
    setupMissing: !settings.ok,
    status: viewStatus(status),
    relay: relay.phase,
    relayMessage: relay.message,
    openChats: relay.openChats.length,
  });
  await Promise.all([
    browser.action.setBadgeText({ text: badge.text }),
    browser.action.setBadgeBackgroundColor({ color: badge.color }),
    browser.action.setTitle({ title: badge.title }),
  ]);
  return badge;
}
