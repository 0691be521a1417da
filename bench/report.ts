// The tables `npm run bench` prints and writes into bench/README.md between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BENCH_DIR, median } from './common';
import { cpuUsOf, type Ramp } from './relay-bench';
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
    const pin = res.pinning;
    const pinned = pin !== undefined && 'server' in pin;
    parts.push(
      pin === undefined
        ? 'Relay benchmark: servers and harness unpinned (results from before pinning).'
        : 'server' in pin
          ? `Relay benchmark: each server pinned to core ${pin.server}; load generators, clients and the orchestrator to core ${pin.harness}${pin.nice === undefined ? '' : `, each process in a scheduling group of its own at nice ${pin.nice}`}. CPU = the server process's own (every thread), per delivered event.`
          : `Relay benchmark: ${pin.note}.`,
    );
    const name = (c: string) => (c === 'relay' ? '**relay (durable)**' : c === 'floor' ? 'floor (ws)' : 'Socket.IO');
    const top = (ramp: Ramp) => ramp.steps.reduce((x, y) => (y.deliveredPerSec > x.deliveredPerSec ? y : x));
    const busy = (share: number | undefined) => (share === undefined ? '' : ` (${Math.round(share * 100)}%)`);
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
          'CPU µs / event',
          'max accepted/s',
          `max delivered/s${pinned ? ' per server core (core busy)' : ''}`,
        ],
        res.relay.map((s) => [
          name(s.contender),
          s.rounds ? `${s.agents} (${s.rounds.length} rounds)` : s.agents,
          s.rssPerAgentKB,
          s.fixed ? `${s.fixed.rate}/s × ${s.fixed.seconds} s` : '—',
          s.fixed?.latencyMs.p50 ?? '—',
          s.fixed?.latencyMs.p99 ?? '—',
          s.fixed?.latencyMs.p999 ?? '—',
          s.fixed ? cpuUsOf(s.fixed) : '—',
          s.ramp?.maxAcceptedPerSec ?? '—',
          s.ramp ? `${s.ramp.maxDeliveredPerSec}${busy(top(s.ramp).serverCoreUse)}` : '—',
        ]),
      ),
    );
    // Every round of every plan with a ramp: the CPU per event at each step, so that a goal's
    // ratio can be checked round by round.
    const withSteps = res.relay.filter((s) => s.ramp || s.rounds);
    const rates = [...new Set(withSteps.flatMap((s) => (s.rounds ?? [s]).flatMap((r) => r.ramp?.steps.map((st) => st.rate) ?? [])))].sort(
      (x, y) => x - y,
    );
    if (withSteps.length) {
      const rows = withSteps.flatMap((s) =>
        (s.rounds ?? [{ fixed: s.fixed, ramp: s.ramp }]).map((r, i) => [
          name(s.contender),
          s.agents,
          s.rounds ? i + 1 : '—',
          r.fixed?.latencyMs.p99 ?? '—',
          r.fixed ? cpuUsOf(r.fixed) : '—',
          ...rates.map((rate) => {
            const st = r.ramp?.steps.find((x) => x.rate === rate);
            return st ? `${cpuUsOf(st)}${busy(st.serverCoreUse)}` : '—';
          }),
          r.ramp ? `${r.ramp.maxDeliveredPerSec}${busy(top(r.ramp).serverCoreUse)}` : '—',
        ]),
      );
      parts.push(
        'Per round: CPU µs per delivered event at the fixed rate and at each ramp step (server core busy), and the most delivered/s.',
        mdTable(
          ['contender', 'agents', 'round', 'p99 ms @ fixed', 'CPU µs/ev @ fixed', ...rates.map((r) => `@ ${r}/s`), 'max delivered/s'],
          rows,
        ),
      );
    }
    const profiled = res.relay.filter((s) => (s.rounds ?? [s]).some((r) => r.fixed?.perfUsPerEvent));
    if (profiled.length) {
      // Each part's median over the rounds (a part a round did not show counts as 0 there), so the
      // parts need not add up to the whole process's median.
      const part = (s: (typeof profiled)[number], key: string) => median((s.rounds ?? [s]).map((r) => r.fixed?.perfUsPerEvent?.[key] ?? 0));
      const keys = [...new Set(profiled.flatMap((s) => (s.rounds ?? [s]).flatMap((r) => Object.keys(r.fixed?.perfUsPerEvent ?? {}))))];
      const shown = keys.filter((k) => profiled.some((s) => part(s, k) > 0));
      shown.sort((x, y) => Math.max(...profiled.map((s) => part(s, y))) - Math.max(...profiled.map((s) => part(s, x))));
      parts.push(
        'CPU µs per delivered event at the fixed rate by thread · code (--profile perf; each part the median over rounds).',
        mdTable(
          ['thread · code', ...profiled.map((s) => `${name(s.contender)}, ${s.agents}`)],
          [
            ...shown.map((k) => [k, ...profiled.map((s) => part(s, k) || '—')]),
            ['whole process', ...profiled.map((s) => median((s.rounds ?? [s]).map((r) => cpuUsOf(r.fixed!))))],
          ],
        ),
      );
    }
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
  const rep = res.report;
  if (rep) {
    parts.push(
      mdTable(
        ['team report', 'events', 'rows read', 'read and tally ms', 'figures ms', `end to end ms (median of ${rep.runsMs.length})`],
        [[`${rep.agents} agents × ${rep.days} days`, rep.events, rep.rows, rep.readMs, rep.computeMs, rep.medianMs]],
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
