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
