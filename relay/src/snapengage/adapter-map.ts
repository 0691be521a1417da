// The field map IT can give the relay (RELAY_ADAPTER_MAP) when SnapEngage sends a shape the
// built-in spellings do not cover: per field, where to look first. Only locations: every value
// found is read and checked by the adapter exactly like one found by a built-in spelling.
// (The built-in spellings are inferred: docs/snapengage-contract.md.)
import * as z from 'zod/mini';
import { isObject } from '../json';
import { AGENT_STATUS_FIELD_PATHS, CONVERSATION_FIELD_PATHS, pathKeys, type FieldMap } from './webhook-adapter';

/** Paths one field may list (each is one more lookup per webhook). */
export const MAX_PATHS_PER_FIELD = 8;
const MAX_PATH_LENGTH = 256;
const MAX_KEYS_PER_PATH = 32;
const POINTER = /^(\/([^~/]|~[01])+)+$/;
const DOTTED = /^[^./][^.]*(\.[^.]+)*$/;
// Found on every object's prototype, not in a body: a path through them reads nothing the sender sent.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return `must be 1 to ${MAX_PATH_LENGTH} characters`;
  if (!POINTER.test(path) && !DOTTED.test(path))
    return 'is neither a JSON pointer (/a/b/0; ~1 for "/", ~0 for "~") nor a dotted path (a.b.0)';
  const keys = pathKeys(path);
  if (keys.length > MAX_KEYS_PER_PATH) return `has more than ${MAX_KEYS_PER_PATH} keys`;
  if (keys.some((k) => PROTOTYPE_KEYS.has(k))) return 'goes through __proto__, constructor or prototype';
  return undefined;
}

const Path = z.string('must be a string (a JSON pointer or a dotted path)').check(
  z.superRefine((path, ctx) => {
    const problem = pathProblem(path);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: path });
  }),
);
// A single path may be written without the list: parseFieldMap wraps it first, so a problem with it is reported as itself.
const Paths = z
  .array(Path, 'must be a path or a list of paths')
  .check(z.minLength(1, 'must list at least one path'), z.maxLength(MAX_PATHS_PER_FIELD, `may list at most ${MAX_PATHS_PER_FIELD} paths`));

const section = (keys: readonly string[]) =>
  z.strictObject(Object.fromEntries(keys.map((k) => [k, z.optional(Paths)])) as Record<string, z.ZodMiniOptional<typeof Paths>>);
const CONVERSATION_FIELDS = Object.keys(CONVERSATION_FIELD_PATHS);
const STATUS_FIELDS = Object.keys(AGENT_STATUS_FIELD_PATHS);

const FieldMapFile = z.strictObject({
  /** Free text for the people who maintain the file; ignored. */
  $comment: z.optional(z.string()),
  conversationEvents: z.optional(section(CONVERSATION_FIELDS)),
  agentStatus: z.optional(section(STATUS_FIELDS)),
});

const KNOWN: Record<string, readonly string[]> = {
  '': ['$comment', 'conversationEvents', 'agentStatus'],
  conversationEvents: CONVERSATION_FIELDS,
  agentStatus: STATUS_FIELDS,
};

function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** `conversationEvents.agentId[1]` */
const name = (path: readonly PropertyKey[]) =>
  path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('') || 'the map';

/** Each problem names the entry (`conversationEvents.agentId[1] "a..b" is neither …`). */
export function parseFieldMap(given: unknown): { ok: true; map: FieldMap } | { ok: false; errors: string[] } {
  const single = new Set<string>();
  let input = given;
  if (isObject(given)) {
    const copy: Record<string, unknown> = { ...given };
    input = copy;
    for (const s of ['conversationEvents', 'agentStatus']) {
      const fields = copy[s];
      if (!isObject(fields)) continue;
      copy[s] = Object.fromEntries(
        Object.entries(fields).map(([k, v]) => {
          if (typeof v !== 'string') return [k, v];
          single.add(`${s}.${k}`);
          return [k, [v]];
        }),
      );
    }
  }
  const parsed = FieldMapFile.safeParse(input);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.map(String).join('.');
        const known = KNOWN[where] ?? [];
        return issue.keys
          .map((k) => `${where ? `${where}.` : ''}${k} is not a field the adapter reads (known: ${known.join(', ')})`)
          .join('; ');
      }
      const path =
        issue.path.length === 3 && single.has(`${String(issue.path[0])}.${String(issue.path[1])}`) ? issue.path.slice(0, 2) : issue.path;
      const value = at(input, issue.path);
      const shown = typeof value === 'string' ? ` "${value.length > 60 ? `${value.slice(0, 60)}…` : value}"` : '';
      if (issue.code === 'invalid_type' && issue.path.length <= 1) return `${name(issue.path)} must be an object`;
      return `${name(path)}${shown} ${issue.message}`;
    });
    return { ok: false, errors };
  }
  const lists = (o: Record<string, string[] | undefined> | undefined) =>
    o && Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const { conversationEvents, agentStatus } = parsed.data;
  return { ok: true, map: { conversationEvents: lists(conversationEvents), agentStatus: lists(agentStatus) } };
}
