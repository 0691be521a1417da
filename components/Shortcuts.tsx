import { useEffect, useState } from 'preact/hooks';
import { browser } from '@/lib/ext/native';
import { t } from '@/lib/i18n';

interface Command {
  name?: string;
  description?: string;
  shortcut?: string;
}

/** Lists the shortcuts the browser actually assigned (a suggested key can be taken by another extension). */
export function Shortcuts() {
  const [commands, setCommands] = useState<Command[]>([]);
  useEffect(() => {
    void browser.commands.getAll().then((all: Command[]) => setCommands(all.filter((c) => c.name !== '_execute_action')));
  }, []);
  const isFirefox = browser.runtime.getURL('').startsWith('moz-extension:');
  return (
    <section aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">{t('shortcuts')}</h2>
      <table class="shortcuts" data-testid="shortcuts">
        <tbody>
          {commands.map((c) => (
            <tr key={c.name}>
              <td>{c.description}</td>
              <td>{c.shortcut ? <kbd>{c.shortcut}</kbd> : <em>{t('notSet')}</em>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {isFirefox ? (
        <p class="hint">{t('shortcutsFirefox')}</p>
      ) : (
        <div class="row">
          <button type="button" class="btn" onClick={() => void browser.tabs.create({ url: 'chrome://extensions/shortcuts' })}>
            {t('changeShortcuts')}
          </button>
        </div>
      )}
    </section>
  );
}
