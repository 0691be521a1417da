// docs/rollout.md gives IT the team policy for each browser and OS. Each example must be one IT can
// paste: the Linux file valid against public/managed_schema.json (what Chrome checks) and passing the
// extension's own checks, in the very form the managed-policy end-to-end test writes; and the Windows,
// macOS and Firefox examples carrying that same policy, each with its force-install entry.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import schema from '../public/managed_schema.json';
import { GECKO_ID } from '../browser-support';
import { TEST_EXTENSION_ID } from '../extension-key';
import { policyFileFor } from '../scripts/browser/policy';
import { checkPolicy } from '@/lib/settings/managed';

const doc = readFileSync(resolve(import.meta.dirname, '../docs/rollout.md'), 'utf8');
/** The doc's placeholder for the store's extension id. */
const ID = 'EXTENSION_ID';
const CWS_UPDATE_URL = 'https://clients2.google.com/service/update2/crx';

/** The fenced blocks of one language, in order. */
const blocks = (lang: string) => [...doc.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1]!);

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface Schema {
  type: string;
  properties?: Record<string, Schema>;
  items?: Schema;
}

/** What Chrome would drop or refuse under the extension's managed_schema (its subset of JSON Schema), as `path: why`. */
function schemaProblems(value: Json, s: Schema, path = '$'): string[] {
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? 'number' : typeof value;
  if (!(type === s.type || (s.type === 'integer' && Number.isInteger(value)))) return [`${path}: ${type}, not ${s.type}`];
  if (Array.isArray(value)) return value.flatMap((item, i) => schemaProblems(item, s.items!, `${path}[${i}]`));
  if (type !== 'object') return [];
  return Object.entries(value as Record<string, Json>).flatMap(([key, v]) =>
    s.properties?.[key] ? schemaProblems(v, s.properties[key], `${path}.${key}`) : [`${path}.${key}: not in the schema`],
  );
}

/**
 * A .reg file's values below `root`, read as Chromium reads an extension's policy from the registry
 * (by its schema): REG_SZ a string, a dword a boolean where the schema says boolean, a subkey an
 * object, or a list when the schema says array (its values named 1, 2, 3…).
 */
function fromReg(reg: string, root: string, s: Schema): Json {
  const keys = new Map<string, Map<string, Json>>();
  let current: Map<string, Json> | undefined;
  for (const line of reg.split('\n')) {
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      keys.set(section[1]!, current);
    }
    const value = /^"([^"]+)"=(?:"(.*)"|dword:([0-9a-f]{8}))$/.exec(line);
    if (value && current) current.set(value[1]!, value[2] ?? Number.parseInt(value[3]!, 16));
  }
  const read = (path: string, under: Schema): Json => {
    const values = keys.get(path) ?? new Map<string, Json>();
    if (under.type === 'array')
      return [...values.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => convert(v, under.items!));
    const out: Record<string, Json> = {};
    for (const [name, child] of Object.entries(under.properties ?? {})) {
      if (values.has(name)) out[name] = convert(values.get(name)!, child);
      else if (keys.has(`${path}\\${name}`)) out[name] = read(`${path}\\${name}`, child);
    }
    return out;
  };
  const convert = (v: Json, as: Schema): Json => (as.type === 'boolean' && typeof v === 'number' ? v !== 0 : v);
  return read(root, s);
}

/** The payload dictionaries of a configuration profile, each as plain JSON (string, integer, true/false, array, dict). */
function payloads(plist: string): Record<string, Json>[] {
  const tokens = [...plist.matchAll(/<(\/?)(dict|array|key|string|integer|true|false)(\/?)>([^<]*)/g)];
  let i = tokens.findIndex((t) => t[2] === 'dict' && !t[1]);
  const value = (): Json => {
    const [, close, tag, selfClosing, text] = tokens[i++]!;
    if (close) throw new Error(`unexpected </${tag}>`);
    if (tag === 'true' || tag === 'false') return selfClosing ? tag === 'true' : value();
    if (tag === 'string' || tag === 'integer') {
      i++; // its closing tag
      return tag === 'string' ? text! : Number(text);
    }
    const out: Json[] = [];
    const dict: Record<string, Json> = {};
    while (!tokens[i]![1]) {
      if (tag === 'dict') {
        const key = tokens[i]![4]!;
        i += 2; // <key>…</key>
        dict[key] = value();
      } else out.push(value());
    }
    i++;
    return tag === 'dict' ? dict : out;
  };
  const profile = value() as { PayloadContent: Record<string, Json>[] };
  return profile.PayloadContent;
}

const [linuxFile, firefoxFile] = blocks('json').map((b) => JSON.parse(b) as Record<string, Json>);
const linuxPolicy = (linuxFile?.['3rdparty'] as { extensions: Record<string, Json> } | undefined)?.extensions[ID] as
  | Record<string, Json>
  | undefined;
const PAYLOAD_KEYS = /^Payload/;

describe('docs/rollout.md', () => {
  it('the Linux file: a policy valid against public/managed_schema.json that the extension takes whole, and its force-install entry', () => {
    expect(linuxPolicy).toBeDefined();
    expect(Object.keys(linuxPolicy!).length).toBeGreaterThan(3);
    expect(schemaProblems(linuxPolicy!, schema as Schema)).toEqual([]);
    expect(checkPolicy(linuxPolicy)).toEqual({ values: linuxPolicy, problems: [] });
    expect(linuxFile!.ExtensionInstallForcelist).toEqual([`${ID};${CWS_UPDATE_URL}`]);
  });

  it('the Linux file is in the form the managed-policy end-to-end test writes (3rdparty.extensions.<id>)', () => {
    const written = JSON.parse(policyFileFor(TEST_EXTENSION_ID, linuxPolicy!));
    expect(written).toEqual({ '3rdparty': { extensions: { [TEST_EXTENSION_ID]: linuxPolicy } } });
    expect(JSON.parse(JSON.stringify(linuxFile!['3rdparty']).replaceAll(ID, TEST_EXTENSION_ID))).toEqual(written['3rdparty']);
  });

  it('Windows: the .reg file sets the same policy under 3rdparty\\extensions\\<id>\\policy, and the force-install list', () => {
    const [reg] = blocks('reg');
    const root = `HKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\\3rdparty\\extensions\\${ID}\\policy`;
    expect(fromReg(reg!, root, schema as Schema)).toEqual(linuxPolicy);
    expect(reg).toContain(
      `[HKEY_LOCAL_MACHINE\\Software\\Policies\\Google\\Chrome\\ExtensionInstallForcelist]\n"1"="${ID};${CWS_UPDATE_URL}"`,
    );
  });

  it('macOS: the profile has Chrome’s force-install list and the same policy in com.google.Chrome.extensions.<id>', () => {
    const [profile] = blocks('xml');
    const byType = Object.fromEntries(payloads(profile!).map((p) => [p.PayloadType as string, p]));
    expect((byType['com.google.Chrome'] as Record<string, Json>).ExtensionInstallForcelist).toEqual([`${ID};${CWS_UPDATE_URL}`]);
    const extension = byType[`com.google.Chrome.extensions.${ID}`] as Record<string, Json>;
    expect(Object.fromEntries(Object.entries(extension).filter(([k]) => !PAYLOAD_KEYS.test(k)))).toEqual(linuxPolicy);
  });

  it('Firefox: policies.json force-installs the add-on by its id and gives it the same policy in 3rdparty.Extensions', () => {
    const policies = firefoxFile!.policies as Record<string, Record<string, Record<string, Json>>>;
    expect(policies.ExtensionSettings![GECKO_ID]).toMatchObject({ installation_mode: 'force_installed' });
    expect(policies.ExtensionSettings![GECKO_ID]!.install_url).toMatch(/^https:\/\/addons\.mozilla\.org\/.+\.xpi$/);
    expect(policies['3rdparty']!.Extensions![GECKO_ID]).toEqual(linuxPolicy);
  });
});
