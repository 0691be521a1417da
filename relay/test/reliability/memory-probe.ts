// Loaded into a relay child by the fuzz test (node --expose-gc --import this file): on SIGUSR2 it runs a
// full garbage collection and writes process.memoryUsage() to MEMORY_PROBE_FILE. The test tells memory
// the relay still holds (V8's heap after the collection) from memory the allocators keep once it was
// freed, which RSS cannot. Never loaded by the relay itself.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.MEMORY_PROBE_FILE;
const collect = (globalThis as { gc?: () => void }).gc;
if (file && collect)
  process.on('SIGUSR2', () => {
    collect();
    // Whole or not at all: the test reads the file as soon as it appears.
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${file}.tmp`, file);
  });
