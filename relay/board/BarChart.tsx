// Small inline SVG charts beside the report's tables: no chart library, no inline style (the page's
// CSP has no 'unsafe-inline'); colours and text alignment come from app.css classes. The table under
// each chart carries the numbers, so a chart is one labelled image to a screen reader.
import type { ComponentChildren } from 'preact';
import { useTexts } from './texts';

interface Bar {
  key: string;
  label: string;
  value: number;
  /** The value as the table writes it. */
  text: string;
}

const ROW = 22;
const LABEL = 220;
const TRACK = 380;
const VALUE = 80;
const MAX_LABEL = 30;

const short = (label: string) => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);

function Figure({ title, children }: { title: string; children: ComponentChildren }) {
  const { t } = useTexts();
  return (
    <figure class="chart">
      <figcaption>
        {title} <span class="muted">{t('chartNote')}</span>
      </figcaption>
      {children}
    </figure>
  );
}

/** Horizontal bars, one per row of a table (agents, reasons). */
export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const width = LABEL + TRACK + VALUE;
  const height = Math.max(1, bars.length) * ROW;
  return (
    <Figure title={title}>
      <svg class="chart__svg" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {bars.map((b, i) => {
          const y = i * ROW;
          const w = max ? (b.value / max) * TRACK : 0;
          return (
            <g key={b.key}>
              <text class="chart__label" x={LABEL - 8} y={y + ROW / 2}>
                {short(b.label)}
              </text>
              <rect class="chart__track" x={LABEL} y={y + 4} width={TRACK} height={ROW - 8} />
              <rect class="chart__bar" x={LABEL} y={y + 4} width={w} height={ROW - 8} />
              <text class="chart__value" x={LABEL + w + 6} y={y + ROW / 2}>
                {b.text}
              </text>
            </g>
          );
        })}
      </svg>
    </Figure>
  );
}

const COLUMN = 28;
const COLUMN_HEIGHT = 120;
const AXIS = 18;
const TOP = 16;

/** Vertical columns, one per hour of day; every third hour is labelled. */
export function ColumnChart({ title, columns }: { title: string; columns: Bar[] }) {
  const max = Math.max(0, ...columns.map((c) => c.value));
  const width = columns.length * COLUMN;
  const height = TOP + COLUMN_HEIGHT + AXIS;
  return (
    <Figure title={title}>
      <svg class="chart__svg chart__svg--columns" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {columns.map((c, i) => {
          const h = max ? (c.value / max) * COLUMN_HEIGHT : 0;
          const x = i * COLUMN;
          return (
            <g key={c.key}>
              <rect class="chart__bar" x={x + 4} y={TOP + COLUMN_HEIGHT - h} width={COLUMN - 8} height={h} />
              {c.value > 0 && (
                <text class="chart__value chart__value--top" x={x + COLUMN / 2} y={TOP + COLUMN_HEIGHT - h - 4}>
                  {c.text}
                </text>
              )}
              {i % 3 === 0 && (
                <text class="chart__axis" x={x + COLUMN / 2} y={TOP + COLUMN_HEIGHT + AXIS - 4}>
                  {c.label}
                </text>
              )}
            </g>
          );
        })}
        <line class="chart__baseline" x1={0} x2={width} y1={TOP + COLUMN_HEIGHT} y2={TOP + COLUMN_HEIGHT} />
      </svg>
    </Figure>
  );
}
