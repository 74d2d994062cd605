// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The missing-module offer: reading the kernel's error, the IOPub hook and the
 * offer's model and view.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { KernelMessage } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { formatBytes } from '../src/catalog/format';
import { JobsModel } from '../src/jobs/model';
import { IModuleAnswer, lookupModule } from '../src/modules/api';
import { missingModule } from '../src/modules/error';
import { ImportOffer, ImportOfferModel } from '../src/modules/offer';
import { ImportErrorWatcher } from '../src/modules/watcher';
import { deferred, FakeJobServer, waitFor } from './utils';

const trans = nullTranslator.load('jupyterlab_apk');

describe('missingModule', () => {
  it.each([
    ['ModuleNotFoundError', "No module named 'sklearn'", 'sklearn'],
    ['ModuleNotFoundError', "No module named 'sklearn.ensemble'", 'sklearn'],
    ['ModuleNotFoundError', "No module named 'PIL'", 'PIL'],
    ['ImportError', 'No module named yaml', 'yaml'],
    ['ImportError', "No module named 'bs4.element'", 'bs4']
  ])('%s: %s -> %s', (ename, evalue, module) => {
    expect(missingModule(ename, evalue)).toBe(module);
  });

  it.each([
    ['NameError', "name 'sklearn' is not defined"],
    [
      'ImportError',
      "cannot import name 'foo' from 'os' (/usr/lib/python3.12/os.py)"
    ],
    ['ModuleNotFoundError', "No module named 'os.foo'; 'os' is not a package"],
    ['ModuleNotFoundError', 'import of x halted; None in sys.modules'],
    ['ModuleNotFoundError', "No module named 'a b'"],
    ['ValueError', "No module named 'sklearn'"]
  ])('%s: %s -> null', (ename, evalue) => {
    expect(missingModule(ename, evalue)).toBeNull();
  });
});

/**
 * An IOPub message of `type` answering the request `parent`.
 */
function iopub(
  type: string,
  content: Record<string, unknown>,
  parent = 'request-1'
): KernelMessage.IMessage {
  return {
    channel: 'iopub',
    header: { msg_type: type, msg_id: `${type}-${parent}` },
    parent_header: { msg_id: parent },
    metadata: {},
    content
  } as unknown as KernelMessage.IMessage;
}

const IMPORT_ERROR = {
  ename: 'ModuleNotFoundError',
  evalue: "No module named 'tabulate'",
  traceback: []
};

const ANSWER: IModuleAnswer = {
  module: 'tabulate',
  route: 'apk',
  package: 'py3-tabulate',
  version: '0.9.0-r1',
  size: 36123,
  installed: false,
  reason: 'tabulate → py3-tabulate 0.9.0-r1',
  pip: 'tabulate',
  action: 'install'
};

describe('ImportErrorWatcher', () => {
  class FakeSession {
    iopubMessage = new Signal<this, KernelMessage.IMessage>(this);
    session: { kernel: { name: string } } | null = {
      kernel: { name: 'python3' }
    };
  }

  let session: FakeSession;
  let cells: Map<string, string>;
  let enabled: boolean;
  let lookups: [string, string][];
  let shown: [string, IModuleAnswer][];
  let answer: Promise<IModuleAnswer>;
  let watcher: ImportErrorWatcher<string>;

  beforeEach(() => {
    session = new FakeSession();
    cells = new Map([['request-1', 'cell A']]);
    enabled = true;
    lookups = [];
    shown = [];
    answer = Promise.resolve(ANSWER);
    watcher = new ImportErrorWatcher<string>({
      sessionContext: session as unknown as ISessionContext,
      findCell: id => cells.get(id) ?? null,
      language: name => ({ python3: 'python', ir: 'R' })[name],
      isEnabled: () => enabled,
      lookup: (module, kernel) => {
        lookups.push([module, kernel]);
        return answer;
      },
      show: (cell, reply) => shown.push([cell, reply])
    });
  });

  afterEach(() => watcher.dispose());

  it('asks the server about the missing module and shows the answer under its cell', async () => {
    session.iopubMessage.emit(
      iopub('error', {
        ...IMPORT_ERROR,
        evalue: "No module named 'tabulate.x'"
      })
    );
    await watcher.pending;
    expect(lookups).toEqual([['tabulate', 'python3']]);
    expect(shown).toEqual([['cell A', ANSWER]]);
  });

  it('makes no server call for other messages and other errors', async () => {
    session.iopubMessage.emit(iopub('status', { execution_state: 'busy' }));
    session.iopubMessage.emit(
      iopub('stream', { name: 'stdout', text: "No module named 'x'" })
    );
    session.iopubMessage.emit(iopub('execute_result', { data: {} }));
    session.iopubMessage.emit(
      iopub('error', {
        ename: 'NameError',
        evalue: "name 'x' is not defined",
        traceback: []
      })
    );
    await watcher.pending;
    expect(lookups).toEqual([]);
    expect(shown).toEqual([]);
  });

  it('leaves non-Python kernels alone', async () => {
    session.session = { kernel: { name: 'ir' } };
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR));
    await watcher.pending;
    expect(lookups).toEqual([]);
  });

  it('does nothing when the setting is off', async () => {
    enabled = false;
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR));
    await watcher.pending;
    expect(lookups).toEqual([]);
  });

  it('ignores errors of requests that belong to no cell', async () => {
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR, 'request-2'));
    await watcher.pending;
    expect(lookups).toEqual([]);
  });

  it('shows nothing when the cell ran again before the server answered', async () => {
    const reply = deferred<IModuleAnswer>();
    answer = reply.promise;
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR));
    cells = new Map([['request-3', 'cell A']]);
    reply.resolve(ANSWER);
    await watcher.pending;
    expect(lookups).toHaveLength(1);
    expect(shown).toEqual([]);
  });

  it('shows nothing and stays quiet when the server fails', async () => {
    const warn = jest
      .spyOn(console, 'warn')
      .mockImplementation(() => undefined);
    answer = Promise.reject(new Error('500'));
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR));
    await watcher.pending;
    expect(shown).toEqual([]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('stops listening when disposed', async () => {
    watcher.dispose();
    session.iopubMessage.emit(iopub('error', IMPORT_ERROR));
    await watcher.pending;
    expect(lookups).toEqual([]);
  });
});

describe('lookupModule', () => {
  it('asks GET modules/<name> for the kernelspec', async () => {
    const server = new FakeJobServer();
    const urls: URL[] = [];
    const settings = {
      ...server.settings,
      fetch: async (request: RequestInfo | URL) => {
        urls.push(new URL((request as Request).url));
        return new Response(JSON.stringify(ANSWER), { status: 200 });
      }
    };
    expect(await lookupModule('tabulate', 'python 3', settings)).toEqual(
      ANSWER
    );
    expect(
      urls.map(url => [url.pathname, url.searchParams.get('kernel')])
    ).toEqual([['/jupyterlab-apk/modules/tabulate', 'python 3']]);
  });
});

describe('ImportOfferModel', () => {
  let server: FakeJobServer;
  let jobs: JobsModel;
  let runs: number;
  let restartAccepted: boolean;

  function offer(answer: IModuleAnswer = ANSWER): ImportOfferModel {
    return new ImportOfferModel({
      answer,
      jobs,
      trans,
      confirm: () => false,
      runAgain: async () => {
        runs++;
      },
      restartKernel: async () => restartAccepted
    });
  }

  async function finishJob(state: string, error: string | null = null) {
    await waitFor(() => jobs.activeJobFor('py3-tabulate') !== null);
    const { id } = jobs.activeJobFor('py3-tabulate')!;
    server.update(id, { state: 'running' } as any);
    server.update(id, { state, error } as any);
  }

  beforeEach(() => {
    server = new FakeJobServer();
    jobs = new JobsModel({ serverSettings: server.settings });
    runs = 0;
    restartAccepted = true;
  });

  afterEach(() => jobs.dispose());

  it('installs as a job of the queue, then runs the cell again', async () => {
    const model = offer();
    const done = model.install(true);
    expect(model.status).toBe('working');
    await finishJob('done');
    await done;
    const posts = server.requests.filter(r => r.method === 'POST');
    expect(posts.map(r => JSON.parse(r.body))).toEqual([
      { action: 'install', packages: ['py3-tabulate'], preview: false }
    ]);
    expect(model.status).toBe('done');
    expect(runs).toBe(1);
  });

  it('installs without running again', async () => {
    const model = offer();
    const done = model.install(false);
    await finishJob('done');
    await done;
    expect(model.status).toBe('done');
    expect(runs).toBe(0);
  });

  it('says why an install failed and does not run the cell', async () => {
    const model = offer();
    const done = model.install(true);
    await finishJob('failed', 'no such package');
    await done;
    expect(model.status).toBe('failed');
    expect(model.error).toBe('no such package');
    expect(runs).toBe(0);
  });

  it('restarts the kernel, then runs the cell again', async () => {
    const model = offer({ ...ANSWER, installed: true, action: 'restart' });
    await model.restart(true);
    expect(model.status).toBe('done');
    expect(runs).toBe(1);
    expect(server.requests).toEqual([]);
  });

  it('stays ready when the restart is declined', async () => {
    restartAccepted = false;
    const model = offer({ ...ANSWER, installed: true, action: 'restart' });
    await model.restart(true);
    expect(model.status).toBe('ready');
    expect(runs).toBe(0);
  });

  it('is shown only when a package ships the module', () => {
    expect(ImportOfferModel.isShown(ANSWER)).toBe(true);
    expect(
      ImportOfferModel.isShown({
        ...ANSWER,
        route: 'pip',
        package: null,
        version: null,
        size: null,
        action: 'none',
        reason: 'torch → pip: no prebuilt package'
      })
    ).toBe(false);
  });
});

describe('ImportOffer', () => {
  async function render(answer: IModuleAnswer): Promise<HTMLElement> {
    const jobs = new JobsModel({
      serverSettings: new FakeJobServer().settings
    });
    const model = new ImportOfferModel({
      answer,
      jobs,
      trans,
      confirm: () => false,
      runAgain: async () => undefined,
      restartKernel: async () => true
    });
    const view = new ImportOffer(model, trans);
    Widget.attach(view, document.body);
    view.update();
    await waitFor(() => view.node.textContent !== '');
    return view.node;
  }

  function buttons(node: HTMLElement): string[] {
    return Array.from(node.querySelectorAll('button')).map(b => b.textContent!);
  }

  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('names the module, the package, its version and size, with two buttons', async () => {
    const node = await render(ANSWER);
    expect(node.textContent).toContain(
      `No module named tabulate: the prebuilt package py3-tabulate 0.9.0-r1 ships it (${formatBytes(36123)} download).`
    );
    expect(buttons(node)).toEqual(['Install', 'Install and Run Again']);
  });

  it('offers a restart for an installed package', async () => {
    const node = await render({
      ...ANSWER,
      installed: true,
      action: 'restart'
    });
    expect(node.textContent).toContain('this kernel started before it was');
    expect(buttons(node)).toEqual(['Restart Kernel', 'Restart and Run Again']);
  });

  it('shows only the reason when nothing can be offered', async () => {
    const reason =
      'tabulate is in py3-tabulate 0.9.0-r1; you may not install packages here';
    const node = await render({ ...ANSWER, action: 'none', reason });
    expect(node.textContent).toBe(reason);
    expect(buttons(node)).toEqual([]);
  });
});
