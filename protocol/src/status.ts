// An agent's status as SnapEngage names it: in the Agent Status API the extension calls, in the
// agent_status webhooks the relay forwards, in the sandbox that stands in for both. No zod here:
// the popup's first paint reads these without loading any schema.

/** Every status SnapEngage reports. */
export const AGENT_STATUSES = ['online', 'pause', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** The statuses an agent can set through the Agent Status API (offline is SnapEngage's to set). */
export const SETTABLE_STATUSES = ['online', 'pause'] as const satisfies readonly AgentStatus[];
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export const isAgentStatus = (value: unknown): value is AgentStatus => (AGENT_STATUSES as readonly unknown[]).includes(value);
