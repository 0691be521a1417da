// The board page's entry (relay/scripts/build-board.ts bundles it into dist/board/app.js and app.css).
import './zod-config';
import { render } from 'preact';
import { App } from './App';
import './board.css';

render(<App />, document.querySelector('#app')!);
