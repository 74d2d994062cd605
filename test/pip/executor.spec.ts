// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { ServerConnection } from '@jupyterlab/services';

import type { IDecision, IJob } from '../../src/api';
import {
  INVALIDATE_IMPORT_CACHES,
  IInstallOutcome,
  IPipRouter,
  PipCellExecutor
} from '../../src/pip/executor';
import * as parse from '../../src/pip/parse';
import { pythonString } from '../../src/pip/rewrite';
import { cell, coreRunCell, fakeSession } from './fakes';

class FakeRouter implements IPipRouter {
  decisions: Record<string, IDecision> = {
    numpy: {
      requirement: 'numpy',
      route: 'apk',
      package: 'py3-numpy',
      version: '2.2.4-r1',
      reason: 'numpy → py3-numpy 2.2.4-r1'
    },
    torch: {
      requirement: 'torch',
      route: 'pip',
      package: null,
      version: null,
      reason: 'torch → pip: no prebuilt package'
    }
  };
  resolveCalls: string[][] = [];
  /**
   * The `install` flag of each resolve call.
   */
  installFlags: boolean[] = [];
  /**
   * The packages of each install job queued.
   */
  installCalls: string[][] = [];
  /**
   * The packages of each install job cancelled.
   */
  cancelled: string[][] = [];
  resolveGate: Promise<void> = Promise.resolve();
  resolveError: Error | null = null;
  outcome: IInstallOutcome = { ok: true, seconds: 1.25 };

  async resolve(
    requirements: string[],
    kernel: string,
    install: boolean,
    signal: AbortSignal
  ) {
    this.resolveCalls.push(requirements);
    this.installFlags.push(install);
    await this.resolveGate;
    if (this.resolveError) {
      throw this.resolveError;
    }
    const decisions = requirements.map(r => this.decisions[r]);
    const packages = decisions
      .filter(decision => decision.route === 'apk')
      .map(decision => decision.package!);
    if (!install) {
      return { decisions };
    }
    if (!packages.length) {
      return { decisions, job: null };
    }
    this.installCalls.push(packages);
    const job = { id: String(this.installCalls.length), packages };
    return { decisions, job: job as unknown as IJob };
  }

  async waitFor(job: IJob, signal: AbortSignal) {
    if (signal.aborted) {
      this.cancelled.push(job.packages);
      return { ok: false, error: 'cancelled', seconds: 0 };
    }
    return this.outcome;
  }
}

function setup(options: Partial<PipCellExecutor.IOptions> = {}) {
  const router = new FakeRouter();
  let enabled = true;
  const executor = new PipCellExecutor({
    router,
    isEnabled: () => enabled,
    ...options
  });
  const run = executor.wrap(coreRunCell);
  return { router, executor, run, disable: () => (enabled = false) };
}

beforeEach(() => coreRunCell.mockClear());

describe('PipCellExecutor', () => {
  it('sends a cell without pip commands synchronously, untouched', () => {
    const { router, run } = setup();
    const { sessionContext, sent } = fakeSession();
    const options = { cell: cell('import numpy\nprint(1)'), sessionContext };
    void run(options);
    // No await happened: the core already ran with the very same options.
    expect(coreRunCell).toHaveBeenCalledWith(options);
    expect(sent).toEqual(['import numpy\nprint(1)']);
    expect(router.resolveCalls).toEqual([]);
  });

  it('routes what apk satisfies and leaves the rest to pip', async () => {
    const { router, run } = setup();
    const { sessionContext, sent } = fakeSession();
    const ok = await run({
      cell: cell('%pip install numpy torch'),
      sessionContext
    });
    expect(ok).toBe(true);
    expect(router.resolveCalls).toEqual([['numpy', 'torch']]);
    // One request resolves and queues the install.
    expect(router.installFlags).toEqual([true]);
    expect(router.installCalls).toEqual([['py3-numpy']]);
    // First, silently, the import caches are dropped: the apk files are new to the kernel.
    expect(sent).toHaveLength(2);
    expect(sent.shift()).toBe(`[silent] ${INVALIDATE_IMPORT_CACHES}`);
    const [summary, ...rest] = sent[0].split('\n');
    expect(summary).toBe(
      `print(${pythonString(
        'numpy → apk: py3-numpy 2.2.4-r1 (1.3 s)\ntorch → pip: no prebuilt package'
      )})`
    );
    expect(rest.join('\n')).toMatch(/^%pip install\s+torch$/);
    expect(sent[0]).not.toMatch(/install[^\n]*numpy/);
  });

  it('parses a routed cell once', async () => {
    const parseCell = jest.spyOn(parse, 'parseCell');
    try {
      const { run } = setup();
      const { sessionContext } = fakeSession();
      await run({ cell: cell('%pip install numpy torch'), sessionContext });
      expect(parseCell).toHaveBeenCalledTimes(1);
    } finally {
      parseCell.mockRestore();
    }
  });

  it('keeps later cells of the session behind a held one', async () => {
    const { router, run } = setup();
    let release!: () => void;
    router.resolveGate = new Promise(resolve => (release = resolve));
    const { sessionContext, sent } = fakeSession();
    const first = run({ cell: cell('%pip install numpy'), sessionContext });
    const second = run({ cell: cell('import numpy'), sessionContext });
    await Promise.resolve();
    expect(sent).toEqual([]); // the import waits for the install
    release();
    await Promise.all([first, second]);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBe(`[silent] ${INVALIDATE_IMPORT_CACHES}`);
    expect(sent[1]).toContain('py3-numpy');
    expect(sent[2]).toBe('import numpy');
    // Once the queue drained, a plain cell is synchronous again.
    void run({ cell: cell('x = 1'), sessionContext });
    expect(sent[3]).toBe('x = 1');
  });

  it('does not hold other sessions', async () => {
    const { router, run } = setup();
    router.resolveGate = new Promise(() => undefined); // never answers
    const a = fakeSession();
    const b = fakeSession();
    void run({
      cell: cell('%pip install numpy'),
      sessionContext: a.sessionContext
    });
    void run({ cell: cell('y = 2'), sessionContext: b.sessionContext });
    expect(b.sent).toEqual(['y = 2']);
  });

  it.each([
    ['the server cannot be reached', 'resolve', 'everything goes to pip'],
    ['apk fails', 'install', 'the apk install failed (BAD archive)']
  ])('sends everything to pip when %s', async (_, failing, message) => {
    const { router, run } = setup();
    if (failing === 'resolve') {
      router.resolveError = new Error('NetworkError');
    } else {
      router.outcome = { ok: false, error: 'BAD archive', seconds: 0.5 };
    }
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy torch'), sessionContext });
    expect(sent[0]).toMatch(/%pip install numpy torch/);
    expect(sent[0]).toContain(pythonString(message).slice(1, -1));
  });

  it('sends everything to pip, saying why, for a user who may not install', async () => {
    const { router, run } = setup();
    const response = new Response(
      JSON.stringify({
        message: 'User bob is not authorized to write on resource: apk.'
      }),
      { status: 403 }
    );
    router.resolveError = await ServerConnection.ResponseError.create(response);
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    expect(router.installCalls).toEqual([]);
    expect(sent[0]).toMatch(/%pip install numpy/);
    expect(sent[0]).toContain(
      'you may not install system packages on this server (User bob is not authorized'
    );
  });

  it('asks before installing when configured, and respects a no', async () => {
    const confirm = jest.fn(async () => false);
    const { router, run } = setup({ confirm });
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(router.installFlags).toEqual([false]);
    expect(router.installCalls).toEqual([]);
    expect(sent[0]).toMatch(/%pip install numpy/);
    expect(sent[0]).toContain('you declined the apk install');
  });

  it('asks before installing when configured, then queues the install', async () => {
    const confirm = jest.fn(async () => true);
    const { router, run } = setup({ confirm });
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(router.installFlags).toEqual([false, true]);
    expect(router.installCalls).toEqual([['py3-numpy']]);
    expect(sent[sent.length - 1]).toContain(
      pythonString('numpy → apk: py3-numpy 2.2.4-r1').slice(1, -1)
    );
  });

  it('asks nothing when the setting is off', async () => {
    const confirm = jest.fn(async () => false);
    const { router, run } = setup({ confirm, shouldConfirm: () => false });
    const { sessionContext } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    expect(confirm).not.toHaveBeenCalled();
    expect(router.installFlags).toEqual([true]);
  });

  it.each([
    ['a non-Python kernel', 'ir', '%pip install numpy'],
    ['an unroutable command', 'python', '%pip install -r requirements.txt'],
    ['the opt-out marker', 'python', '%pip install numpy  # apk: off']
  ])('leaves %s alone', async (_, language, source) => {
    const { router, run } = setup();
    const { sessionContext, sent } = fakeSession(language);
    await run({ cell: cell(source), sessionContext });
    expect(sent).toEqual([source]);
    expect(router.installCalls).toEqual([]);
  });

  it('does nothing when interception is off', () => {
    const { router, run, disable } = setup();
    disable();
    const { sessionContext, sent } = fakeSession();
    void run({ cell: cell('%pip install numpy'), sessionContext });
    expect(sent).toEqual(['%pip install numpy']);
    expect(router.resolveCalls).toEqual([]);
  });

  it('cancels a held cell when its kernel is interrupted', async () => {
    const { router, run, executor } = setup();
    let release!: () => void;
    router.resolveGate = new Promise(resolve => (release = resolve));
    const { sessionContext, sent } = fakeSession();
    const held = cell('%pip install numpy');
    const result = run({ cell: held, sessionContext });
    await Promise.resolve();
    executor.interrupt(sessionContext);
    release();
    expect(await result).toBe(false);
    expect(sent).toEqual([]);
    expect(held.prompts).toEqual(['*', '']);
    // The request had queued the install: it is cancelled.
    expect(router.cancelled).toEqual(router.installCalls);
    expect(router.cancelled).toEqual([['py3-numpy']]);
    // The session is not stuck afterwards.
    await run({ cell: cell('z = 3'), sessionContext });
    expect(sent).toEqual(['z = 3']);
  });
});
