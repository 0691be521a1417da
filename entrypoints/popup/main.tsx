import { render } from 'preact';
import { Popup } from '@/components/Popup';
import { readPopupRecords } from '@/components/popup-data';
import '@/components/styles.css';
import { markPageLanguage } from '@/lib/i18n';

markPageLanguage();

// One render, with the stored records (usually already read by public/popup-prefetch.js).
void readPopupRecords().then((initial) => render(<Popup initial={initial} />, document.querySelector('#app')!));
