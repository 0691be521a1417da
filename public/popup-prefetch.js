// Starts the popup's one storage read while its modules are still loading (a classic script
// runs as soon as it is parsed; module scripts wait for the whole page). components/popup-data.ts
// picks the promise up; the keys must be POPUP_KEYS there (a test checks).
{
  const keys = ['settings', 'status', 'relay', 'automation', 'policy'];
  globalThis.__switchboardPrefetch = { keys, read: (globalThis.browser ?? globalThis.chrome).storage.local.get(keys) };
}
