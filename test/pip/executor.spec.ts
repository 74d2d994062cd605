// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import type { ISessionContext } from '@jupyterlab/apputils';

import type { IDecision } from '../../src/api';
import {
  INVALIDATE_IMPORT_CACHES,
  IInstallOutcome,
  IPipRouter,
  IRunCellOptions,
  PipCellExecutor
} from '../../src/pip/executor';
import { pythonString } from '../../src/pip/rewrite';

/**
 * A kernel connection that records the code of each execute request.
 */
function fakeSession(language = 'python') {
  const sent: string[] = [];
  const kernel = {
    name: 'python3',
    spec: Promise.resolve({ language }),
    requestExecute: (content: { code: string; silent?: boolean }) => {
      sent.push(content.silent ? `[silent] ${content.code}` : content.code);
      return { done: Promise.resolve() };
    }
  };
  const sessionContext = { session: { kernel } } as unknown as ISessionContext;
  return { sessionContext, sent };
}

function cell(source: string) {
  const prompts: string[] = [];
  return {
    model: { type: 'code', sharedModel: { getSource: () => source } },
    setPrompt: (value: string) => prompts.push(value),
    prompts
  };
}

/**
 * The core runCell, as far as we rely on it: reads the source and sends it
 * synchronously through the session's kernel.
 */
const coreRunCell = jest.fn(async (options: IRunCellOptions) => {
  options.sessionContext!.session!.kernel!.requestExecute({
    code: options.cell.model.sharedModel.getSource()
  } as any);
  return true;
});

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
  installCalls: string[][] = [];
  resolveGate: Promise<void> = Promise.resolve();
  resolveError: Error | null = null;
  outcome: IInstallOutcome = { ok: true, seconds: 1.25 };
  installSignal: AbortSignal | null = null;

  async resolve(requirements: string[], kernel: string, signal: AbortSignal) {
    this.resolveCalls.push(requirements);
    await this.resolveGate;
    if (this.resolveError) {
      throw this.resolveError;
    }
    return requirements.map(r => this.decisions[r]);
  }

  async install(packages: string[], signal: AbortSignal) {
    this.installCalls.push(packages);
    this.installSignal = signal;
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

  it('says "already installed" when apk had nothing to install', async () => {
    const { router, run } = setup();
    router.outcome = { ok: true, seconds: 0.3, unchanged: ['py3-numpy'] };
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    const [summary] = sent[sent.length - 1].split('\n');
    expect(summary).toBe(
      `print(${pythonString(
        'numpy → apk: py3-numpy 2.2.4-r1 (already installed)'
      )})`
    );
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

  it('asks before installing when configured, and respects a no', async () => {
    const confirm = jest.fn(async () => false);
    const { router, run } = setup({ confirm });
    const { sessionContext, sent } = fakeSession();
    await run({ cell: cell('%pip install numpy'), sessionContext });
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(router.installCalls).toEqual([]);
    expect(sent[0]).toMatch(/%pip install numpy/);
    expect(sent[0]).toContain('you declined the apk install');
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
    expect(router.installCalls).toEqual([]);
    // The session is not stuck afterwards.
    await run({ cell: cell('z = 3'), sessionContext });
    expect(sent).toEqual(['z = 3']);
  });
});
