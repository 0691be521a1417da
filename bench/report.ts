// The tables `npm run bench` prints and writes into bench/README.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BENCH_DIR } from './common';
import type { BenchResults } from './results';

function mdTable(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderTables(res: BenchResults): string {
  const parts: string[] = [];
  const m = res.machine;
  parts.push(
    `Run ${res.date} on ${m.cpu} × ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node} (${m.platform}); load average at start ${m.loadAvgAtStart.join(' / ')}; took ${res.durationS} s${res.quick ? ' (--quick: smoke sizes, figures not meaningful)' : ''}.`,
  );
  if (res.relay?.length) {
    parts.push(
      mdTable(
        [
          'contender',
          'agents',
          'KB RSS / idle agent',
          'fixed rate',
          'p50 ms',
          'p99 ms',
          'p99.9 ms',
          'CPU ms / 1k events',
          'max accepted/s',
          'max delivered/s',
        ],
        res.relay.map((s) => [
          s.contender === 'relay' ? '**relay (durable)**' : s.contender === 'floor' ? 'floor (ws)' : 'Socket.IO',
          s.rounds ? `${s.agents} (${s.rounds.length} rounds)` : s.agents,
          s.rssPerAgentKB,
          s.fixed ? `${s.fixed.rate}/s × ${s.fixed.seconds} s` : '—',
          s.fixed?.latencyMs.p50 ?? '—',
          s.fixed?.latencyMs.p99 ?? '—',
          s.fixed?.latencyMs.p999 ?? '—',
          s.fixed?.cpuMsPer1k ?? '—',
          s.ramp?.maxAcceptedPerSec ?? '—',
          s.ramp?.maxDeliveredPerSec ?? '—',
        ]),
      ),
    );
  }
  const b = res.extension?.browser;
  if (res.extension) {
    parts.push(
      mdTable(
        ['extension', 'value'],
        [
          ['popup JS + CSS gzipped', `${(res.extension.popupGzipBytes / 1024).toFixed(2)} KB`],
          [
            `toolbar popup interactive, from its navigation (median of ${b?.toolbarTtiMs?.samples.length ?? 0})`,
            b?.toolbarTtiMs ? `${b.toolbarTtiMs.median} ms` : (b?.toolbarSkipped ?? res.extension.skipped ?? '—'),
          ],
          ['toolbar popup: openPopup call → interactive', b?.toolbarOpenToTtiMs ? `${b.toolbarOpenToTtiMs.median} ms` : '—'],
          [
            `popup page in a tab interactive, from its navigation (median of ${b?.ttiMs.samples.length ?? 0})`,
            b ? `${b.ttiMs.median} ms` : (res.extension.skipped ?? '—'),
          ],
          [
            `click → request at the sandbox (median of ${b?.clickToRequestMs.samples.length ?? 0})`,
            b ? `${b.clickToRequestMs.median} ms` : '—',
          ],
          [
            `worker cold start → relay connected (median of ${b?.coldStart.connectedMs.samples.length ?? 0})`,
            b ? `${b.coldStart.connectedMs.median} ms` : '—',
          ],
          [`worker cold start → backlog of ${b?.coldStart.backlog ?? 100} handled`, b ? `${b.coldStart.backlogHandledMs.median} ms` : '—'],
        ],
      ),
    );
  }
  const r = res.report;
  if (r) {
    parts.push(
      mdTable(
        ['team report', 'events', 'rows read', 'read and tally ms', 'figures ms', `end to end ms (median of ${r.runsMs.length})`],
        [[`${r.agents} agents × ${r.days} days`, r.events, r.rows, r.readMs, r.computeMs, r.medianMs]],
      ),
    );
  }
  const board = res.board;
  if (board && !board.skipped) {
    parts.push(
      mdTable(
        ['live board', 'updates', 'p50 ms', 'p95 ms', 'max ms', 'first snapshot ms'],
        [[`${board.agents} agents`, board.updates, board.updateMs.p50, board.updateMs.p95, board.updateMs.max, board.snapshotMs]],
      ),
    );
  }
  if (res.goals.length) {
    parts.push(
      mdTable(
        ['goal', 'measured', ''],
        res.goals.map((g) => [g.goal, g.measured, g.pass === null ? '—' : g.pass ? '✅ pass' : '❌ fail']),
      ),
    );
  }
  return parts.join('\n\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

export function updateReadme(res: BenchResults, jsonPath: string): void {
  const path = resolve(BENCH_DIR, 'README.md');
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const z = text.indexOf(END);
  if (a < 0 || z < a) throw new Error(`bench/README.md lacks the ${START} … ${END} markers`);
  const body = `${START}\n<!-- written by npm run bench; do not edit by hand -->\n\n${renderTables(res)}\n\nRaw figures: [${relative(BENCH_DIR, jsonPath)}](${relative(BENCH_DIR, jsonPath)}).\n\n${END}`;
  writeFileSync(path, text.slice(0, a) + body + text.slice(z + END.length));
}
