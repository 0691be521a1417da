// A stable Chrome extension id for the builds that are never uploaded: the end-to-end tests' (a
// managed policy names the extension by id, `3rdparty.extensions.<id>`) and `npm start`'s demo.
// The Chrome Web Store refuses an uploaded manifest with `key` ("key field is not allowed in
// manifest"; its public-key pinning is for unpacked development builds), so the store build carries
// none: a team's policy names the id the store gives the listing (docs/rollout.md). wxt.config.ts
// adds the key when STABLE_ID_ENV is set and refuses to zip such a build.

/** Set it (to anything) to build with TEST_EXTENSION_KEY: scripts/test.ts and scripts/start.ts do. */
export const STABLE_ID_ENV = 'SWITCHBOARD_STABLE_ID';

/** A public key made for this purpose (its private key was discarded: Chrome needs only this one to derive the id). */
export const TEST_EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkMJtCpzkKENV4UUli99PnYk+l5l1Dq2qvWgW8VN9tX9PvQDTsm35Md/8vKNcKwn+TpFii+alsVNnAAN3PnZLfljst4gH0G1RJopwhKvy30lrdniZjBrh6fzvcgQaWBFKC7Nfud9RckuuHMgGbw6TQYJdfkZ5pQ5vFLNziZU0iZMKYH5TL35wBVuY6UiF3zYRiUu2pchPqsdZBKwnPcOnC/DH6ZA3HqdmXslB9/AhoNrAjYESG0bdC6AIVYvH30TqFrpHal4j3cVSSqdCROQCbsHya6zxIgZApE6dbaEsyHNDizGWew44nlWDzxbg52g3NBZIJnUAd7LYC8ty1ddLkwIDAQAB';

/** The id Chrome derives from TEST_EXTENSION_KEY (tests/extension-key.test.ts derives it again). */
export const TEST_EXTENSION_ID = 'hjeaagkciahnjadcapljnnaeidknfefn';
