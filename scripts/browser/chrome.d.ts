// Code passed to worker.evaluate() runs inside the extension, where `chrome` is the global.
// Its promise-based API matches the polyfill's types closely enough for the tests.
declare const chrome: import('webextension-polyfill').Browser;
