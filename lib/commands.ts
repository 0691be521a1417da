// Keyboard shortcuts (manifest `commands`). One map of handlers; the background dispatches on
// the command name. Suggested keys live in wxt.config.ts.
import { loadSettings } from './settings/store';
import { quickPauseReason } from './settings/quick-pause';
import { statusItem } from './status/store';
import { viewStatus } from './status/view';
import type { StatusSender } from './status/sender';

export type CommandName = 'toggle-pause' | 'quick-pause' | 'back-online';

export function commandHandlers(sender: StatusSender) {
  const quickPause = async () => {
    const settings = await loadSettings();
    await sender.request('pause', settings.ok ? quickPauseReason(settings.settings) : undefined, 'shortcut');
  };
  const backOnline = async () => {
    await sender.request('online', undefined, 'shortcut');
  };
  return {
    'quick-pause': quickPause,
    'back-online': backOnline,
    'toggle-pause': async () => {
      const view = viewStatus(await statusItem.get());
      await (view.status === 'pause' ? backOnline() : quickPause());
    },
  } satisfies Record<CommandName, () => Promise<void>>;
}
