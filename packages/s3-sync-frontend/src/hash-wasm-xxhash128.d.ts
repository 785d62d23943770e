// hash-wasm's build of XXH3-128 alone (20 kB): its package index bundles every algorithm (270 kB
// of WebAssembly in base64) into the action's first chunk, which the bundler does not trim.
declare module 'hash-wasm/dist/xxhash128.umd.min.js' {
  export { createXXHash128 } from 'hash-wasm';
}
