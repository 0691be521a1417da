// The Advanced section's inputs (components/AdvancedRequest.tsx) and the StatusRequestOverride they
// stand for: an empty input is a part left at its default, and no part set is no override at all.
import type { StatusRequestOverride } from '@switchboard/protocol/agent-status-request';

export interface StatusRequestDraft {
  path: string;
  agentField: string;
  statusField: string;
  substatusField: string;
  /** '' = the default. */
  auth: '' | 'bare' | 'bearer';
}

export const STATUS_REQUEST_TEXTS = ['path', 'agentField', 'statusField', 'substatusField'] as const;

export function statusRequestDraft(saved: unknown): StatusRequestDraft {
  const o = (saved && typeof saved === 'object' ? saved : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    path: text(o.path),
    agentField: text(o.agentField),
    statusField: text(o.statusField),
    substatusField: text(o.substatusField),
    auth: o.auth === 'bare' || o.auth === 'bearer' ? o.auth : '',
  };
}

/** The override to save (checked by the settings schema with protocol's StatusRequestOverride), or none. */
export function statusRequestOverride(draft: StatusRequestDraft): StatusRequestOverride | undefined {
  const override: StatusRequestOverride = {};
  for (const key of STATUS_REQUEST_TEXTS) if (draft[key].trim()) override[key] = draft[key].trim();
  if (draft.auth) override.auth = draft.auth;
  return Object.keys(override).length ? override : undefined;
}
