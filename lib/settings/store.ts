import { t } from '../i18n';
import { storageItem } from '../storage/item';
import { parseSettings, type Settings, type SettingsResult } from './schema';

/** Raw record as saved; may be incomplete (setup not finished) — read through `loadSettings`. */
export const settingsItem = storageItem<Record<string, unknown> | undefined>('local', 'settings', (raw) =>
  raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined,
);

export async function loadSettings(): Promise<SettingsResult> {
  const raw = await settingsItem.get();
  if (!raw) return { ok: false, errors: { form: t('notSetUp') } };
  return parseSettings(raw);
}

export async function saveSettings(input: unknown): Promise<SettingsResult> {
  const result = parseSettings(input);
  if (result.ok) await settingsItem.set(result.settings as Settings & Record<string, unknown>);
  return result;
}
