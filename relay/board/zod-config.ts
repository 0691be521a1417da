// Imported first by main.tsx, before any schema is built: zod's fast object parser compiles code with
// `new Function`, which this page's Content-Security-Policy (script-src 'self', no 'unsafe-eval')
// forbids. jitless also skips zod's probe for it, which a strict CSP would report as a violation.
import * as z from 'zod/mini';

z.config({ jitless: true });
