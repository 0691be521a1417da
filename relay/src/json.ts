// The one check every reader of parsed JSON here makes before it reads fields (webhook adapter,
// field map, phone call events, phone notices).

/** A JSON object: not null, not an array. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
