import { render } from 'preact';
import { Options } from '@/components/Options';
import '@/components/styles.css';
import '@/components/options.css';
import { markPageLanguage, t } from '@/lib/i18n';

// The HTML is static; its title and language follow the browser's, like every other text.
document.title = t('optionsTitle');
markPageLanguage();
render(<Options />, document.querySelector('#app')!);
