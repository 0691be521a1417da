// The extension's connection to its relay, as the badge and the popup show it. No zod here: the
// popup's first paint reads it (components/popup-data.ts); lib/relay/state.ts checks it with zod.
export const RELAY_PHASES = ['off', 'connecting', 'connected', 'reconnecting', 'rejected'] as const;
export type RelayPhase = (typeof RELAY_PHASES)[number];
