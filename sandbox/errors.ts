/** An error with the HTTP status the control routes should answer. */
export class SandboxError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** `a, b or c`: the choices an error message offers, from the list the check uses. */
export const oneOf = (values: readonly string[]): string =>
  values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

export const quoted = (values: readonly string[]): string[] => values.map((v) => `"${v}"`);
