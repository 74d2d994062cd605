/**
 * Benchmark of the missing-module offer (src/modules/): how long after the kernel's error
 * reply the offer is on screen, and what the hook costs cells that do not fail.
 *
 * Run from ui-tests/ (see modules.config.ts next to this file):
 *   cd ui-tests && jlpm playwright test -c ../bench/ui/modules.config.ts
 *
 * Timed in the page (performance.now()) by an init script that wraps the `onmessage` handlers
 * of WebSockets (the moment the frame carrying the `ModuleNotFoundError` arrives) and
 * window.fetch (the `GET modules/<name>` request), and a MutationObserver (the moment the
 * offer's text is in the DOM).
 *
 * 1. Error → offer: `import termcolor` (py3-termcolor, not installed) in a new notebook cell,
 *    SAMPLES times in one notebook. The first sample is reported apart: it builds the server's
 *    module index for the catalog snapshot.
 * 2. Cells that succeed: Run All of CELLS trivial cells (`x = 1`) with `offerInstall` on and
 *    off (plugin jupyterlab-apk:modules, through the settings registry in the page), RUNS
 *    interleaved runs each after a warm-up; the number of `GET modules/` requests must be 0.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect, test } from '../../ui-tests/node_modules/@jupyterlab/galata';
import type { Page } from '../../ui-tests/node_modules/@playwright/test';

import { removeInstalled } from '../../ui-tests/tests/apk-api';
import { openNotebook } from '../../ui-tests/tests/kernels';

const RESULTS = path.resolve(__dirname, '..', 'results');
const SAMPLES = Number(process.env.BENCH_MODULES_SAMPLES ?? 10);
const CELLS = Number(process.env.BENCH_MODULES_CELLS ?? 200);
const RUNS = Number(process.env.BENCH_MODULES_RUNS ?? 3);
const SETTINGS_PLUGIN = '@jupyterlab/apputils-extension:settings';

/** Installed before the page loads: timestamps of frames, requests and the offer. */
function instrument(): void {
  const marks: Record<string, number[]> = {
    frame: [],
    request: [],
    response: [],
    offer: []
  };
  (window as any).benchMarks = marks;
  const decoder = new TextDecoder();
  const descriptor = Object.getOwnPropertyDescriptor(
    WebSocket.prototype,
    'onmessage'
  )!;
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    set(handler: (event: MessageEvent) => void) {
      descriptor.set!.call(this, (event: MessageEvent) => {
        const now = performance.now();
        const data =
          typeof event.data === 'string'
            ? event.data
            : decoder.decode(event.data);
        // The IOPub `error` message (the execute_reply also names the error).
        if (/"msg_type":\s*"error"/.test(data) && data.includes('ModuleNotFoundError')) {
          marks.frame.push(now);
        }
        handler.call(this, event);
      });
    },
    get() {
      return descriptor.get!.call(this);
    }
  });
  const fetch = window.fetch;
  window.fetch = async (...args: Parameters<typeof window.fetch>) => {
    const url = String(args[0] instanceof Request ? args[0].url : args[0]);
    const isModule = url.includes('/jupyterlab-apk/modules/');
    if (isModule) {
      marks.request.push(performance.now());
    }
    const response = await fetch(...args);
    if (isModule) {
      marks.response.push(performance.now());
    }
    return response;
  };
  new MutationObserver(() => {
    const shown = document.querySelectorAll('.jp-ApkImportOffer-text').length;
    while (marks.offer.length < shown) {
      marks.offer.push(performance.now());
    }
  }).observe(document, { childList: true, subtree: true });
}

async function marks(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => (window as any).benchMarks);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median_ms: +median(values).toFixed(1),
    min_ms: +sorted[0].toFixed(1),
    max_ms: +sorted[sorted.length - 1].toFixed(1),
    n: values.length
  };
}

/** Append a code cell with `source` and run it; resolves when it has run. */
async function runNewCell(page: Page, source: string): Promise<void> {
  await page.evaluate(async source => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    const index = panel.content.model.cells.length;
    panel.content.model.sharedModel.insertCell(index, {
      cell_type: 'code',
      source
    });
    panel.content.activeCellIndex = index;
    await app.commands.execute('notebook:run-cell');
  }, source);
}

async function setOffer(page: Page, value: boolean): Promise<void> {
  const effective = await page.evaluate(
    async ({ plugin, value }) => {
      const registry = await (window as any).galata.getPlugin(plugin);
      await registry.set('jupyterlab-apk:modules', 'offerInstall', value);
      return (await registry.get('jupyterlab-apk:modules', 'offerInstall'))
        .composite;
    },
    { plugin: SETTINGS_PLUGIN, value }
  );
  expect(effective).toBe(value);
}

/** Run All; milliseconds until the last cell has its execution count. */
async function runAll(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    const notebook = app.shell.currentWidget.content;
    notebook.model.cells.get(notebook.model.cells.length - 1).executionCount =
      null;
    const start = performance.now();
    await app.commands.execute('notebook:run-all-cells');
    const last = notebook.model.cells.get(notebook.model.cells.length - 1);
    while (last.executionCount === null) {
      await new Promise(resolve => setTimeout(resolve, 5));
    }
    return performance.now() - start;
  });
}

test.use({ kernels: null });

test('missing-module offer', async ({ page, request, tmpPath }) => {
  await removeInstalled(request, ['py3-termcolor']);
  await page.addInitScript(instrument);
  await page.reload();

  // 1. Error reply → offer on screen.
  await openNotebook(page, tmpPath, 'offer.ipynb', ['pass']);
  await page.notebook.runCell(0);
  const errorToOffer: number[] = [];
  const lookup: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await runNewCell(page, 'import termcolor');
    await expect
      .poll(async () => (await marks(page)).offer.length, { timeout: 30000 })
      .toBe(i + 1);
    const m = await marks(page);
    expect(m.frame.length).toBe(i + 1);
    errorToOffer.push(m.offer[i] - m.frame[i]);
    lookup.push(m.response[i] - m.request[i]);
  }

  // 2. Cells that succeed: Run All with the offer on and off; no module request either way.
  await openNotebook(
    page,
    tmpPath,
    'succeed.ipynb',
    Array.from({ length: CELLS }, () => 'x = 1')
  );
  const requestsBefore = (await marks(page)).request.length;
  const runAllMs: Record<string, number[]> = { on: [], off: [] };
  for (const value of [true, false]) {
    await setOffer(page, value);
    await runAll(page); // warm-up
  }
  for (let run = 0; run < RUNS; run++) {
    for (const value of run % 2 ? [false, true] : [true, false]) {
      await setOffer(page, value);
      runAllMs[value ? 'on' : 'off'].push(await runAll(page));
    }
  }
  await setOffer(page, true);
  const requestsDuringRunAll =
    (await marks(page)).request.length - requestsBefore;
  expect(requestsDuringRunAll).toBe(0);

  const results = {
    error_to_offer: {
      first_ms: +errorToOffer[0].toFixed(1),
      first_lookup_ms: +lookup[0].toFixed(1),
      warm: summary(errorToOffer.slice(1)),
      warm_lookup: summary(lookup.slice(1))
    },
    run_all: {
      cells: CELLS,
      offer_on: summary(runAllMs.on),
      offer_off: summary(runAllMs.off),
      module_requests: requestsDuringRunAll
    }
  };
  console.log(JSON.stringify(results, null, 2));
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(
    path.join(RESULTS, 'modules.json'),
    JSON.stringify(results, null, 2)
  );
});
