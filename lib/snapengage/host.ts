/** SnapEngage's own API host: the default API base, and the host a token saved without one belongs to. */
export const SNAPENGAGE_API_BASE = 'https://www.snapengage.com';
