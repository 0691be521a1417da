// Why: components/popup-data.ts (this file ships as is, so its words count in the popup's bytes).
{
  const keys = ['settings', 'status', 'relay', 'automation', 'policy'];
  globalThis.__switchboardPrefetch = { keys, read: (globalThis.browser ?? globalThis.chrome).storage.local.get(keys) };
}
