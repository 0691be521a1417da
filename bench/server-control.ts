// The harness's side channel into a server under test (IPC, not HTTP, so it costs the server
// nothing while it is measured): report the port, and run a GC before memory is read.
export function announce(port: number, close: () => Promise<void>): void {
  process.on('message', (m: { cmd?: string }) => {
    if (m?.cmd === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      process.send?.({ type: 'gc-done' });
    }
  });
  const stop = () => void close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.send?.({ type: 'ready', port });
}
