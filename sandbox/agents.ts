import type { AgentStatus } from '@switchboard/protocol/status';

export interface AgentState {
  agentId: string;
  status: AgentStatus;
  substatus: string | null;
  /** ISO */
  updatedAt: string;
}

export interface StatusChange {
  previous: AgentState;
  current: AgentState;
}

/** The agents of the sandbox's one organisation; emails match case-insensitively. */
export class AgentDirectory {
  private readonly agents = new Map<string, AgentState>();

  constructor(emails: readonly string[], now = new Date()) {
    // Nobody is signed in when the sandbox starts.
    for (const email of emails) {
      this.agents.set(email.toLowerCase(), { agentId: email, status: 'offline', substatus: null, updatedAt: now.toISOString() });
    }
  }

  get(email: string): AgentState | undefined {
    const state = this.agents.get(email.toLowerCase());
    return state && { ...state };
  }

  list(): AgentState[] {
    return [...this.agents.values()].map((s) => ({ ...s }));
  }

  emails(): string[] {
    return [...this.agents.values()].map((s) => s.agentId);
  }

  /** Substatus only means something with pause, so it is dropped otherwise. `at`: when it changed (epoch ms). */
  set(email: string, status: AgentStatus, substatus?: string | null, at = Date.now()): StatusChange | undefined {
    const key = email.toLowerCase();
    const previous = this.agents.get(key);
    if (!previous) return undefined;
    const current: AgentState = {
      agentId: previous.agentId,
      status,
      substatus: status === 'pause' ? (substatus ?? null) : null,
      updatedAt: new Date(at).toISOString(),
    };
    this.agents.set(key, current);
    return { previous: { ...previous }, current: { ...current } };
  }
}
