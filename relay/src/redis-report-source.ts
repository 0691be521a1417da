// The Redis store's ReportSource (board/report-rows.ts): the same rows as the SQLite store's SQL
// (stored-rows.ts holds the rules both follow), from each agent's stream. A stream is in seq order,
// not in order of `at` (events arrive late), so each agent's whole stream (retention bounds it) is
// read in pages and sorted; only the rows a report reads have their data parsed.
import type { Redis } from 'ioredis';
import { feedRow, type ReportRow, type ReportRowsQuery, type ReportSource, type ReportTallySink } from './board/report-rows';
import { readsData, type RowBounds, RowCollector, rowBounds, rowOfData, wanted } from './board/stored-rows';

/** Entries per XRANGE: a few hundred kB per reply. */
const PAGE = 2000;
/** Agents read at once: Redis answers one command at a time anyway; a few keep the connection busy. */
const PARALLEL = 4;

/** Sorts as SQLite's BINARY collation does: by UTF-8 bytes (JS compares UTF-16 units, which differs beyond U+FFFF). */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export class RedisReportSource implements ReportSource {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async rows(query: ReportRowsQuery): Promise<ReportRow[]> {
    const bounds = rowBounds(query);
    const agents = (await this.redis.smembers(`${this.prefix}agents`)).sort(byBytes);
    const scanned: ReportRow[][] = new Array(agents.length);
    let next = 0;
    const worker = async () => {
      while (next < agents.length) {
        const i = next++;
        scanned[i] = await this.scan(agents[i]!, bounds);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, agents.length) }, worker));
    const out = new RowCollector(bounds);
    for (const rows of scanned) {
      rows.sort((a, b) => a.at - b.at || a.seq - b.seq);
      for (const r of rows) out.add(r);
    }
    return out.finish();
  }

  async feed(query: ReportRowsQuery, sink: ReportTallySink): Promise<void> {
    for (const row of await this.rows(query)) feedRow(sink, row);
  }

  private async scan(agent: string, bounds: RowBounds): Promise<ReportRow[]> {
    const key = `${this.prefix}ev:${agent}`;
    const out: ReportRow[] = [];
    let from = '-';
    while (true) {
      const page = await this.redis.xrange(key, from, '+', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        // Fields are written in a fixed order (redis-store.ts): id, kind, at, data, t.
        const kind = fields[3]!;
        const at = fields[5]!;
        if (!wanted(kind, at, bounds)) continue;
        let data: unknown;
        if (readsData(kind)) {
          try {
            data = JSON.parse(fields[7]!);
          } catch {
            data = undefined;
          }
        }
        const row = rowOfData(Number(id.split('-')[0]), agent, kind, at, data);
        if (row) out.push(row);
      }
      if (page.length < PAGE) return out;
      from = `(${page.at(-1)![0]}`;
    }
  }
}
