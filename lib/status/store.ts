import { storageItem } from '../storage/item';
import { parseStatusState } from './state';

export const statusItem = storageItem('local', 'status', parseStatusState);
