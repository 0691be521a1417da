// The harness's side channel into a server under test (IPC, not HTTP, so it costs the server
// nothing while it is measured): report the port, run a GC before memory is read, and report the
// process's CPU time (µs, every thread: getrusage, precise, where /proc's stat counts 10 ms ticks).
export function announce(port: number, close: () => Promise<void>): void {
  process.on('message', (m: { cmd?: string }) => {
    if (m?.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', us: user + system });
    }
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
  // The orchestrator went away (killed, or crashed): stop rather than linger on the core.
  process.once('disconnect', stop);
  process.send?.({ type: 'ready', port });
}
