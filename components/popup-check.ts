// The popup's data validated by the extension's zod schemas; loaded after the first paint (see ./popup-data).
import { automationItem } from '@/lib/automation/state';
import { relayStateItem } from '@/lib/relay/state';
import { parseSettings } from '@/lib/settings/schema';
import { settingsItem } from '@/lib/settings/store';
import { POLICY_KEY, policyOf, withPolicy } from '@/lib/settings/policy';
import { parseStatusState } from '@/lib/status/state';
import type { PopupParser } from './popup-data';

export const checkPopupData: PopupParser = (raw) => {
  const settings = settingsItem.parse(raw.settings);
  return {
    settings: settings ? parseSettings(withPolicy(settings, policyOf(raw[POLICY_KEY]))) : undefined,
    status: parseStatusState(raw.status),
    relay: relayStateItem.parse(raw.relay),
    automation: automationItem.parse(raw.automation),
  };
};
