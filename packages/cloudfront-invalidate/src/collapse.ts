import { isWildcard } from './paths.js';

/**
 * Drops every path another entry already covers: anything under a wildcard `P*` (including other
 * wildcards such as `P/x*`), and exact duplicates. Paying for `/assets/app.js` next to `/assets/*`
 * buys nothing. Works on the sorted list: all strings starting with `P` form one contiguous run
 * right after `P` itself, so one pass with the last kept wildcard is enough.
 */
export function removeCovered(paths: readonly string[]): string[] {
  const entries = [...new Set(paths)].map((path) => ({ path, key: isWildcard(path) ? path.slice(0, -1) : path, wild: isWildcard(path) }));
  // Wildcard first when keys tie, so `/a/` is dropped in favour of `/a/*`.
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : Number(b.wild) - Number(a.wild)));
  const kept: string[] = [];
  let prefix: string | undefined;
  for (const entry of entries) {
    if (prefix !== undefined && entry.key.startsWith(prefix)) continue;
    kept.push(entry.path);
    if (entry.wild) prefix = entry.key;
  }
  return kept;
}

interface DirNode {
  dir: string;
  depth: number;
  parent?: DirNode;
  children: DirNode[];
  /** Entries whose deepest directory is this one. */
  direct: number;
  /** Entries this directory contributes now (1 once collapsed into `dir*`). */
  count: number;
  collapsed: boolean;
}

/** The directories (prefixes ending in `/`) that contain a path or wildcard, shallowest first. */
function directoriesOf(path: string): string[] {
  const key = isWildcard(path) ? path.slice(0, -1) : path;
  const dirs: string[] = [];
  for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) dirs.push(key.slice(0, i + 1));
  return dirs;
}

export interface CollapseResult {
  /** What to submit: at most maxPaths entries covering every input path. */
  paths: string[];
  /** Wildcards introduced by collapsing (empty when the input fitted). */
  wildcards: string[];
}

/**
 * Replaces paths by directory wildcards until at most `maxPaths` entries remain, covering every
 * input path. Directories are collapsed deepest first (the most specific wildcard that helps), and
 * within one depth the directory holding the most entries first; it stops as soon as the set fits,
 * and ends at `/*` only when nothing narrower fits. Hand-written: this is the product's own policy
 * (no library plans CloudFront invalidations).
 */
export function collapsePaths(input: readonly string[], maxPaths: number): CollapseResult {
  if (!Number.isInteger(maxPaths) || maxPaths < 1) throw new RangeError(`maxPaths must be a whole number of at least 1, not ${maxPaths}`);
  const stray = input.find((path) => !path.startsWith('/'));
  if (stray !== undefined)
    throw new RangeError(`collapsePaths expects normalized paths starting with '/', not '${stray}' (use normalizePaths first)`);
  const paths = removeCovered(input);
  if (paths.length <= maxPaths) return { paths, wildcards: [] };

  const nodes = new Map<string, DirNode>();
  const node = (dir: string, depth: number, parent?: DirNode): DirNode => {
    let found = nodes.get(dir);
    if (!found) {
      found = { dir, depth, parent, children: [], direct: 0, count: 0, collapsed: false };
      nodes.set(dir, found);
      parent?.children.push(found);
    }
    return found;
  };
  for (const path of paths) {
    let parent: DirNode | undefined;
    directoriesOf(path).forEach((dir, depth) => (parent = node(dir, depth, parent)));
    parent!.direct++;
  }

  const byDepth: DirNode[][] = [];
  for (const n of nodes.values()) (byDepth[n.depth] ??= []).push(n);
  let total = paths.length;
  for (let depth = byDepth.length - 1; depth >= 0 && total > maxPaths; depth--) {
    const level = byDepth[depth] ?? [];
    for (const n of level) n.count = n.direct + n.children.reduce((sum, child) => sum + child.count, 0);
    level.sort((a, b) => b.count - a.count || (a.dir < b.dir ? -1 : 1));
    for (const n of level) {
      if (total <= maxPaths) break;
      if (n.count < 2) continue;
      total -= n.count - 1;
      n.count = 1;
      n.collapsed = true;
    }
  }
  const wildcards = [...nodes.values()].filter((n) => n.collapsed).map((n) => `${n.dir}*`);
  const result = removeCovered([...paths, ...wildcards]);
  const kept = new Set(result);
  return { paths: result, wildcards: wildcards.filter((w) => kept.has(w)) };
}
