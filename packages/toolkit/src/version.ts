/** This repository's release version; `npm run release` rewrites it together with package.json. */
export const VERSION = '1.0.0';
export const USER_AGENT = `allthrive-actions/${VERSION}`;
