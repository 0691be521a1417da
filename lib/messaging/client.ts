import { browser } from '../ext/native';
import { t } from '../i18n';
import type { MessageAnswers, MessageName, MessagePayload, Reply } from './protocol';

/** Sends a typed message to the background and rethrows its error here. */
export async function sendMessage<K extends MessageName>(name: K, payload: MessagePayload<K>): Promise<MessageAnswers[K]> {
  const reply = (await browser.runtime.sendMessage({ name, payload })) as Reply<MessageAnswers[K]> | undefined;
  if (!reply) throw new Error(t('backgroundNoAnswer'));
  if (!reply.ok) throw new Error(reply.error);
  return reply.value;
}
