// Relay mode's call to SnapEngage: the relay holds the account's API token and sets the status of
// the agent whose relay token asked (status-api-routes.ts). The request and what its answer means
// come from protocol/src/agent-status-request.ts, the code the extension runs in direct mode, so
// both modes call SnapEngage the same way and an override (SNAPENGAGE_STATUS_REQUEST) reshapes both.
import {
  type ApiTarget,
  buildStatusRequest,
  classifyStatusAnswer,
  errorDetail,
  type StatusCallResult,
  type StatusChange,
  StatusRequestOverride,
} from '@switchboard/protocol/agent-status-request';

/** What the extension waits in direct mode, too; past it the change is worth retrying. */
const STATUS_CALL_TIMEOUT_MS = 10_000;
/** SnapEngage's error bodies are one short JSON object; past this the rest is not read. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/**
 * Why SNAPENGAGE_STATUS_REQUEST's text is not a usable override, naming the bad part (its key and
 * what is wrong), or undefined when it is. Values are not quoted back: they are the operator's, but
 * a message in a log is read by others.
 */
export function statusRequestProblem(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'is not valid JSON (expected an object such as {"path": "/api/v2/{orgId}/agent/status"})';
  }
  const parsed = StatusRequestOverride.safeParse(json);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys')
    return `has an unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} (known: path, agentField, statusField, substatusField, auth)`;
  if (issue.path.length === 0) return 'must be a JSON object';
  const key = String(issue.path[0]);
  return `has a bad "${key}": ${key === 'auth' ? 'must be "bare" or "bearer"' : issue.message}`;
}

/** The override in SNAPENGAGE_STATUS_REQUEST (already checked by the config), or none. */
export function parseStatusRequestOverride(text: string): StatusRequestOverride | undefined {
  return text === '' ? undefined : StatusRequestOverride.parse(JSON.parse(text));
}

export interface AgentStatusClient {
  /** Sets one agent's status at SnapEngage; never throws, every failure is a result. */
  set(change: StatusChange): Promise<StatusCallResult>;
}

export function createAgentStatusClient(
  target: ApiTarget,
  override: StatusRequestOverride | undefined,
  opts: { timeoutMs?: number } = {},
): AgentStatusClient {
  const timeoutMs = opts.timeoutMs ?? STATUS_CALL_TIMEOUT_MS;
  return {
    async set(change) {
      // Throws only for a request that would leave the API host, which the config cannot produce.
      const request = buildStatusRequest(target, change, override);
      const signal = AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        // A redirect is an answer, not an instruction: following it would send the account's token on.
        res = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal,
          redirect: 'manual',
        });
      } catch (err) {
        return { kind: 'retry', reason: signal.aborted || (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
      }
      let detail: string | undefined;
      if (res.ok) await res.body?.cancel().catch(() => undefined);
      else detail = await readDetail(res);
      return classifyStatusAnswer(res.status, res.headers.get('retry-after'), detail);
    },
  };
}

/** SnapEngage's `{"message": …}`, when the body is one; a body cut off or not JSON has none. */
async function readDetail(res: Response): Promise<string | undefined> {
  const reader = res.body?.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    let read = await reader.read();
    while (!read.done) {
      size += read.value.byteLength;
      if (size > MAX_ERROR_BODY_BYTES) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(read.value);
      read = await reader.read();
    }
    return errorDetail(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  } catch {
    return undefined;
  }
}
