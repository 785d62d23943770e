// Turns the measurements of one run of run.mjs into RESULTS.md: one table per scenario with every
// backend and network profile side by side, ratios against this action from the same run, the
// requests by operation, the CPU split between tool and server, the large-file case and the
// targets of the issue, followed by the hand-written reading in notes.md.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const SCENARIOS = {
  first: 'First deploy (empty bucket)',
  rebuild: 'Redeploy after a rebuild (every mtime new, 1% of the contents changed)',
  noop: 'No-op redeploy (nothing changed since the last sync)',
};
const secs = (s) => (s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`);
const ratio = (r) => `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
const ops = (r) =>
  Object.entries(r.byOp)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
const profile = (delay) => (delay ? `+${delay} ms` : 'loopback');

export function report({ meta, results, tools }) {
  const { config } = meta;
  const allTools = [...new Set([...config.tools, ...(config.motoTools ?? [])])];
  const combos = [];
  for (const backend of config.backends) for (const delay of config.delays) combos.push({ backend, delay });
  const pick = (backend, delay, scenario, tool) =>
    results.filter((r) => r.backend === backend && r.delay === delay && r.scenario === scenario && r.tool === tool);
  const stat = (backend, delay, scenario, tool) => {
    const rows = pick(backend, delay, scenario, tool);
    if (!rows.length) return undefined;
    return {
      seconds: median(rows.map((r) => r.seconds)),
      cpu: median(rows.map((r) => r.cpu)),
      serverCpu: median(rows.map((r) => r.serverCpu)),
      proxyCpu: median(rows.map((r) => r.proxyCpu)),
      rssMb: Math.max(...rows.map((r) => r.rssMb)),
      requests: rows[rows.length - 1].requests,
      all: rows.map((r) => r.seconds),
    };
  };
  const out = [];
  const line = (text = '') => out.push(text);
  const table = (header, rows) => {
    line(`| ${header.join(' | ')} |`);
    line(`| ${header.map(() => '---').join(' | ')} |`);
    for (const row of rows) line(`| ${row.join(' | ')} |`);
    line();
  };
  const speedup = (backend, delay, scenario, tool) => {
    const a = stat(backend, delay, scenario, 'action');
    const t = stat(backend, delay, scenario, tool);
    return a && t ? t.seconds / a.seconds : undefined;
  };

  line('# s3-sync-frontend benchmark');
  line();
  line(readFileSync(path.join(here, '..', 'intro.md'), 'utf8').trim());
  line();
  line('## Results');
  line();
  line(
    `Site: ${meta.siteFiles} files, ${(meta.siteBytes / 1e6).toFixed(1)} MB; the rebuild changes ${meta.changed} of them (index.html among them). ` +
      `${config.runs} run(s) of every tool in every cell, median shown, in ${meta.minutes.toFixed(1)} minutes. ` +
      `Servers: ${Object.values(meta.versions).join('; ')}. Machine: ${meta.cpus}; load average ${meta.loads.map((l) => l.toFixed(1)).join(', ')} after each round of runs ` +
      `(${meta.loadEnd.map((l) => l.toFixed(1)).join(' / ')} at the end): other work shared the machine, so compare ratios, which come from the same run, rather than absolute times.`,
  );
  line();
  line(
    'Each cell: median wall time of the whole process (start-up included), and in brackets how many times the action’s time it is (above 1× the action is faster). ' +
      'Requests are counted by the proxy on the fast backend at loopback; a footnote lists any cell where a tool sent a different number.',
  );
  line();
  for (const [scenario, title] of Object.entries(SCENARIOS)) {
    if (!results.some((r) => r.scenario === scenario)) continue;
    line(`### ${title}`);
    line();
    const ref = combos.find((c) => c.backend === 'gofakes3' && c.delay === 0) ?? combos[0];
    const rows = [];
    const differing = [];
    for (const tool of allTools) {
      const cells = combos.map(({ backend, delay }) => {
        const s = stat(backend, delay, scenario, tool);
        if (!s) return '–';
        const r = speedup(backend, delay, scenario, tool);
        return tool === 'action' ? `**${secs(s.seconds)}**` : `${secs(s.seconds)} (${ratio(r)})`;
      });
      const refStat = stat(ref.backend, ref.delay, scenario, tool);
      for (const { backend, delay } of combos) {
        const s = stat(backend, delay, scenario, tool);
        if (s && refStat && s.requests.total !== refStat.requests.total)
          differing.push(`${tools[tool].short} on ${backend}, ${profile(delay)}: ${s.requests.total} (${ops(s.requests)})`);
      }
      rows.push([
        tool === 'action' ? `**${tools[tool].label}**` : tools[tool].label,
        tools[tool].sync,
        ...cells,
        refStat ? `${refStat.requests.total}: ${ops(refStat.requests)}` : '–',
      ]);
    }
    table(['Tool', 'Compares by', ...combos.map((c) => `${c.backend}, ${profile(c.delay)}`), 'Requests'], rows);
    if (differing.length) {
      line(`Requests elsewhere: ${differing.join('; ')}.`);
      line();
    }
  }

  line('### Who is busy: CPU seconds of the tool and of the S3 server during each run');
  line();
  line(
    'Median user + system CPU time of the tool (all its processes and threads, from `/usr/bin/time`), of the server (from `/proc/<pid>/stat`) and of the counting proxy (the benchmark’s own process), and the server’s CPU as a share of the wall time (100% = one core busy all the time). The machine has 2 cores shared with other work: under load a tool gets only part of a core, so the tool that needs the least CPU is the fastest whatever its design.',
  );
  line();
  for (const scenario of ['first', 'rebuild']) {
    const rows = allTools.map((tool) => [
      tools[tool].short,
      ...combos.map(({ backend, delay }) => {
        const s = stat(backend, delay, scenario, tool);
        return s
          ? `${s.cpu.toFixed(1)} / ${s.serverCpu.toFixed(1)} (${Math.round((100 * s.serverCpu) / s.seconds)}%) / ${s.proxyCpu.toFixed(1)}`
          : '–';
      }),
    ]);
    line(`${SCENARIOS[scenario]}: tool CPU s / server CPU s (server share of wall time) / proxy CPU s`);
    line();
    table(['Tool', ...combos.map((c) => `${c.backend}, ${profile(c.delay)}`)], rows);
  }

  const large = results.filter((r) => r.scenario === 'large');
  if (large.length) {
    line(`### One large file (${config.largeMb} MiB, first deploy, loopback)`);
    line();
    const rows = [];
    for (const backend of config.largeBackends) {
      for (const tool of config.largeTools) {
        const s = stat(backend, 0, 'large', tool);
        if (!s) continue;
        rows.push([
          tools[tool].label,
          backend,
          tool === 'action' ? `**${secs(s.seconds)}**` : `${secs(s.seconds)} (${ratio(speedup(backend, 0, 'large', tool))})`,
          `${Math.round(s.rssMb)} MB`,
          `${s.cpu.toFixed(1)} s`,
          `${s.requests.total}: ${ops(s.requests)}`,
        ]);
      }
    }
    table(['Tool', 'Server', 'Wall time', 'Peak memory (max RSS)', 'Tool CPU', 'Requests'], rows);
  }

  line('### Targets (ratios from this run)');
  line();
  const verdict = (value, target) =>
    value === undefined ? 'not measured' : `${value.toFixed(2)}× (target ${ratio(target)}: ${value >= target ? 'met' : '**missed**'})`;
  const has = (tool) => allTools.includes(tool);
  for (const backend of config.backends) {
    if (backend !== 'gofakes3') continue;
    for (const delay of config.delays.filter((d) => d > 0)) {
      if (has('aws'))
        line(`- First deploy, ${backend}, ${profile(delay)}: vs \`aws s3 sync\` ${verdict(speedup(backend, delay, 'first', 'aws'), 1.5)}.`);
      if (has('rclone16'))
        line(
          `- First deploy, ${backend}, ${profile(delay)}: vs \`rclone --checksum --transfers 16\` ${verdict(speedup(backend, delay, 'first', 'rclone16'), 1.2)}.`,
        );
    }
  }
  for (const backend of config.backends) {
    for (const delay of config.delays) {
      const parts = [];
      if (has('aws')) parts.push(`vs \`aws s3 sync\` ${verdict(speedup(backend, delay, 'rebuild', 'aws'), 10)}`);
      for (const tool of ['rclone', 'rclone16'])
        if (has(tool)) parts.push(`vs ${tools[tool].short} ${verdict(speedup(backend, delay, 'rebuild', tool), 1.5)}`);
      line(`- Redeploy after a rebuild, ${backend}, ${profile(delay)}: ${parts.join('; ')}.`);
    }
  }
  const noop = combos.map(({ backend, delay }) => {
    const counts = allTools
      .filter((tool) => stat(backend, delay, 'noop', tool))
      .map((tool) => [tool, stat(backend, delay, 'noop', tool).requests.total]);
    const mine = counts.find(([t]) => t === 'action')[1];
    // against the peers (the action's other variants, such as verify-bucket: always, are not peers)
    const peers = counts.filter(([t]) => !t.startsWith('action'));
    const best = Math.min(...peers.map(([, n]) => n));
    const bestTools = peers.filter(([, n]) => n === best).map(([t]) => tools[t].short);
    return `${backend}, ${profile(delay)}: ${mine} against ${best} (${bestTools.join(', ')})${mine <= best ? '' : ' **missed**'}`;
  });
  line(`- No-op redeploy, fewest requests of all tools: ${noop.join('; ')}.`);
  for (const backend of config.largeBackends) {
    const s = stat(backend, 0, 'large', 'action');
    if (s)
      line(
        `- Large file, ${backend}: the action’s peak memory ${Math.round(s.rssMb)} MB (target under 200 MB: ${s.rssMb < 200 ? 'met' : '**missed**'}).`,
      );
  }
  line();

  const notes = path.join(here, '..', 'notes.md');
  if (existsSync(notes)) {
    line(readFileSync(notes, 'utf8').trim());
    line();
  }

  line('### Per run');
  line();
  line('Wall times of every run, in seconds, in run order (the order of the tools rotates from run to run).');
  line();
  const perRun = [];
  for (const { backend, delay } of combos)
    for (const scenario of Object.keys(SCENARIOS))
      perRun.push([
        `${backend}, ${profile(delay)}, ${scenario}`,
        allTools
          .filter((tool) => pick(backend, delay, scenario, tool).length)
          .map(
            (tool) =>
              `${tools[tool].short} ${pick(backend, delay, scenario, tool)
                .map((r) => r.seconds.toFixed(2))
                .join('/')}`,
          )
          .join('; '),
      ]);
  table(['Cell', 'Runs'], perRun);

  line('### Reproduce');
  line();
  line(readFileSync(path.join(here, '..', 'reproduce.md'), 'utf8').trim());
  line();
  line('```sh');
  line(['node bench/s3-sync-frontend/run.mjs', ...(meta.argv ?? []), '--write'].join(' '));
  line('node scripts/benchmarks-doc.mjs');
  line('```');
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
