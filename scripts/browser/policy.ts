// A team's policy as IT pushes it on Linux: a JSON file in Chromium's mandatory policy directory,
// `3rdparty.extensions.<extension id>` holding the extension's managed storage (docs/rollout.md).
// Written before Chromium starts, removed afterwards with the directories made for it. Used by the
// managed-policy end-to-end test and `npm run screenshots`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where Chromium on Linux reads mandatory policies (Google Chrome's is /etc/opt/chrome/policies/managed). */
export const POLICY_DIR = '/etc/chromium/policies/managed';

/**
 * The id Chromium gives an unpacked extension: from the manifest's `key` when it has one, else from
 * its directory's path; SHA-256, the first 16 bytes in hex, with the digits 0–f spelled a–p.
 */
function unpackedExtensionId(dir: string): string {
  const { key } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { key?: string };
  const hash = createHash('sha256')
    .update(key ? Buffer.from(key, 'base64') : Buffer.from(realpathSync(dir)))
    .digest('hex');
  return [...hash.slice(0, 32)].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

/** The policy file's content: `policy` as the managed storage of extension `id`. */
export const policyFileFor = (id: string, policy: object) =>
  `${JSON.stringify({ '3rdparty': { extensions: { [id]: policy } } }, null, 2)}\n`;

export interface WrittenPolicy {
  /** The file written, for this extension id; or why nothing was written (not root: the directory cannot be written). */
  written: { file: string; id: string } | { skipped: string };
  /** Takes the file away, and the directories made for it; safe to call more than once. */
  remove(): void;
}

/** Writes `policy` for the extension built in `extensionDir` to `<POLICY_DIR>/<fileName>`. Never throws: a directory that cannot be written is said in `skipped`. */
export function writeChromiumPolicy(fileName: string, policy: object, extensionDir: string): WrittenPolicy {
  const file = join(POLICY_DIR, fileName);
  const made: string[] = [];
  const remove = () => {
    rmSync(file, { force: true });
    for (const dir of made.toReversed()) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (another policy file was put there meanwhile) or gone already: it stays.
      }
    }
  };
  const id = unpackedExtensionId(extensionDir);
  try {
    for (let dir = POLICY_DIR; !existsSync(dir); dir = dirname(dir)) made.unshift(dir);
    for (const dir of made) mkdirSync(dir);
    writeFileSync(file, policyFileFor(id, policy));
  } catch (error) {
    remove();
    return { written: { skipped: `cannot write ${POLICY_DIR} (${(error as NodeJS.ErrnoException).code ?? error})` }, remove };
  }
  return { written: { file, id }, remove };
}
