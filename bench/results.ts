// What one `npm run bench` writes to its JSON file (bench/results/*.json), and what the goals and
// the report are computed from.
import type { BoardBenchResults } from './board';
import type { ExtensionResults } from './extension';
import type { Pinning } from './common';
import type { Goal } from './goals';
import type { KillTestResult } from './kill-test';
import type { Scenario } from './relay-bench';
import type { TeamReportResults } from './team-report';

export interface BenchResults {
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; platform: string; loadAvgAtStart: number[] };
  durationS: number;
  /** Where the relay benchmark's processes ran: the server on one core, the harness on another; or why not. */
  pinning?: Pinning | { note: string };
  relay?: Scenario[];
  /** The relay's kill -9 test (full runs only). */
  killTest?: KillTestResult;
  extension?: ExtensionResults;
  /** The team report over generated events (bench/team-report.ts). */
  report?: TeamReportResults;
  /** The live board with 500 agents in Chromium (bench/board.ts). */
  board?: BoardBenchResults;
  goals: Goal[];
}
