// public/managed_schema.json tells Chrome which policy keys the extension takes; Chrome refuses to
// load an extension whose schema breaks its rules, and drops a policy value the schema does not
// allow. It must declare exactly the keys lib/settings/managed.ts reads, with types its checks accept.
import { describe, expect, it } from 'vitest';
import { StatusRequestOverride } from '@switchboard/protocol/agent-status-request';
import schema from '../../public/managed_schema.json';
import { checkPolicy, POLICY_FIELDS } from '@/lib/settings/managed';

interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: unknown;
}
const root = schema as Schema;

/** Chrome's rules: every schema has exactly one of `type` or `$ref`. */
function eachSchema(s: Schema, path: string, visit: (s: Schema, path: string) => void) {
  visit(s, path);
  for (const [key, child] of Object.entries(s.properties ?? {})) eachSchema(child, `${path}.${key}`, visit);
  if (s.items) eachSchema(s.items, `${path}[]`, visit);
}

describe('the managed storage schema', () => {
  it('follows Chrome’s rules: an object at the top without additionalProperties, one type (or $ref) per schema', () => {
    expect(root.type).toBe('object');
    expect(root).not.toHaveProperty('additionalProperties');
    eachSchema(root, '$', (s, path) => expect(Number(Boolean(s.type)) + Number(Boolean(s.$ref)), path).toBe(1));
  });

  it('declares exactly the keys the extension reads, and the override’s and notifications’ parts', () => {
    expect(Object.keys(root.properties!).sort()).toEqual(Object.keys(POLICY_FIELDS).sort());
    expect(Object.keys(root.properties!.statusRequest!.properties!).sort()).toEqual(Object.keys(StatusRequestOverride.shape).sort());
    expect(Object.keys(root.properties!.notify!.properties!).sort()).toEqual(['assigned', 'closed', 'transferred']);
  });

  it('a policy of the declared types, with sensible values, passes the extension’s own checks whole', () => {
    const policy = {
      mode: 'relay',
      orgId: '6418107096367104',
      apiBaseUrl: 'https://www.snapengage.com',
      relayUrl: 'wss://relay.example.com',
      substatuses: ['Lunch', 'Training'],
      quickPauseSubstatus: 'Lunch',
      callSubstatus: 'On a call',
      notify: { assigned: true, closed: false, transferred: true },
      statusRequest: {
        path: '/api/v2/{orgId}/agent/status',
        agentField: 'agentId',
        statusField: 'status',
        substatusField: 'substatus',
        auth: 'bare',
      },
      phoneCallSync: false,
    };
    const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
    for (const [key, value] of Object.entries(policy)) expect(typeOf(value), key).toBe(root.properties![key]!.type);
    expect(checkPolicy(policy)).toEqual({ values: policy, problems: [] });
  });
});
