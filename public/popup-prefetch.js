// Starts the popup's one storage read while its modules are still loading (a classic script
// runs as soon as it is parsed; module scripts wait for the whole page). components/hooks.ts
// picks the promise up; the keys must match the items the popup reads.
globalThis.__switchboardPrefetch = {
  keys: ['settings', 'status', 'relay', 'automation'],
  read: (globalThis.browser ?? globalThis.chrome).storage.local.get(['settings', 'status', 'relay', 'automation']),
};
