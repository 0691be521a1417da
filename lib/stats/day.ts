/** Local midnight before `now` (the popup imports this alone, so it stays apart from the zod-using stats). */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
