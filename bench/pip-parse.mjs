// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * How long `parseCell` takes on the cells every execution goes through.
 *
 * Every cell run in a notebook or console is parsed before it reaches the
 * kernel, so a cell without pip commands must cost next to nothing. Prints the
 * median and 95th percentile, in microseconds, for a 10 KB cell without pip,
 * the same cell that mentions pip in prose and code but has no command, and
 * the same cell with one `%pip install` line in the middle.
 *
 *     jlpm build:lib && node bench/pip-parse.mjs [--runs 20000]
 */

import { performance } from 'node:perf_hooks';

// lib/ is emitted as ES modules without a "type" in package.json: Node
// detects the syntax and warns; the warning is noise here.
process.removeAllListeners('warning');
const { hasPipCommand, parseCell } = await import('../lib/pip/parse.js');

const runsArgument = process.argv.indexOf('--runs');
const RUNS =
  runsArgument === -1 ? 20000 : Number(process.argv[runsArgument + 1]);

/**
 * About 10 KB of ordinary notebook code.
 */
function cell(extra = '') {
  const lines = [];
  let i = 0;
  while (lines.join('\n').length < 10 * 1024) {
    lines.push(
      `def step_${i}(frame, scale=${i}):`,
      `    """Scale column ${i} of the frame."""`,
      `    values = [v * scale for v in frame["col_${i}"] if v is not None]`,
      `    return {"name": 'col_${i}', "mean": sum(values) / max(len(values), 1)}`,
      ''
    );
    i++;
  }
  const middle = Math.floor(lines.length / 2);
  lines.splice(middle, 0, ...extra.split('\n').filter(Boolean));
  return lines.join('\n');
}

function measure(name, source, expected) {
  if (hasPipCommand(source) !== expected) {
    throw new Error(`${name}: expected hasPipCommand ${expected}`);
  }
  let sink = 0;
  for (let i = 0; i < 2000; i++) {
    sink += parseCell(source).commands.length; // Warm up the JIT.
  }
  const times = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    sink += parseCell(source).commands.length;
    times[i] = performance.now() - start;
  }
  times.sort();
  const at = q => times[Math.min(RUNS - 1, Math.floor(q * RUNS))] * 1000;
  console.log(
    `${name.padEnd(36)} ${String(source.length).padStart(6)} chars  ` +
      `median ${at(0.5).toFixed(2).padStart(7)} µs  ` +
      `p95 ${at(0.95).toFixed(2).padStart(7)} µs  (${sink > 0 ? 'found' : 'none'})`
  );
}

console.log(`node ${process.version}, ${RUNS} runs each`);
measure('10 KB cell, no pip', cell(), false);
measure(
  '10 KB cell, "pip" but no command',
  cell('# a pipeline, not pip install\nx = "pip install numpy"\n'),
  false
);
measure(
  '10 KB cell, one %pip install line',
  cell("%pip install -q numpy 'pandas>=2,<3'\n"),
  true
);
