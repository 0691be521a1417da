// WHATWG URL: every runtime the protocol is loaded in has it (browsers, their workers, Node), but it
// is in no ES library. Declared for the protocol's own type-check only (protocol/tsconfig.json
// includes this file; nothing imports it), with just the members the contracts use; the extension
// and the relay compile the same code against the DOM's or Node's full declaration.
declare class URL {
  constructor(url: string, base?: string | URL);
  static canParse(url: string, base?: string): boolean;
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly username: string;
  readonly password: string;
  readonly search: string;
  readonly hash: string;
}
