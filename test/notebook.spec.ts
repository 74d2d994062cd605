// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Notebooks remember their system packages: the records in the metadata, the
 * executor writing them, and the notice offering the missing ones.
 */

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { NotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { Signal } from '@lumino/signaling';
import { nullTranslator } from '@jupyterlab/translation';

import type { IDecision, IPackage } from '../src/api';
import { JobsModel } from '../src/jobs/model';
import {
  IRecordedPackage,
  mergeRecorded,
  METADATA_KEY,
  parseRecorded,
  readRecorded,
  recordPackages,
  recordsOf
} from '../src/notebook/metadata';
import {
  missingPackages,
  packageState,
  PackageState
} from '../src/notebook/missing';
import { NotebookPackagesNotice, noticeMessage } from '../src/notebook/notice';
import { notebookPackagesPlugin } from '../src/notebook/plugin';
import { IRunCellOptions, PipCellExecutor } from '../src/pip/executor';
import { ServerPipRouter } from '../src/pip/router';
import { cell, coreRunCell, fakeSession } from './pip/fakes';
import {
  FakeJobServer,
  fakeServer,
  json,
  makePackage,
  sleep,
  waitFor
} from './utils';

const trans = nullTranslator.load('jupyterlab_apk');

function record(pkg: string, version = '1.0-r0'): IRecordedPackage {
  return { requirement: pkg.replace(/^py3-/, ''), package: pkg, version };
}

function apkDecision(requirement: string, version = '1.0-r0'): IDecision {
  return {
    requirement,
    route: 'apk',
    package: `py3-${requirement}`,
    version,
    reason: `${requirement} → py3-${requirement} ${version}`
  };
}

describe('parseRecorded', () => {
  const good = record('py3-a');
  it.each<[string, unknown, IRecordedPackage[]]>([
    ['nothing', undefined, []],
    ['null', null, []],
    ['no packages key', { other: 1 }, []],
    ['packages not a list', { packages: 'py3-a' }, []],
    ['a good entry', { packages: [good] }, [good]],
    [
      'entries missing a field or of the wrong type',
      {
        packages: [
          good,
          { requirement: 'b', package: 'py3-b' },
          { requirement: 'c', package: 'py3-c', version: 3 },
          { requirement: 'd', package: '', version: '1' },
          'py3-e',
          null
        ]
      },
      [good]
    ]
  ])('%s', (_, value, expected) => {
    expect(parseRecorded(value)).toEqual(expected);
  });
});

describe('mergeRecorded', () => {
  it.each<[string, IRecordedPackage[], IRecordedPackage[], string[]]>([
    [
      'into nothing',
      [],
      [record('py3-b'), record('py3-a')],
      ['py3-a 1.0-r0', 'py3-b 1.0-r0']
    ],
    ['nothing added', [record('py3-a')], [], ['py3-a 1.0-r0']],
    [
      'the version added last wins',
      [record('py3-a', '1.0-r0'), record('py3-b')],
      [record('py3-a', '0.9-r0')],
      ['py3-a 0.9-r0', 'py3-b 1.0-r0']
    ],
    [
      'one entry per package within the added ones too',
      [],
      [record('py3-a', '1.0-r0'), record('py3-a', '2.0-r0')],
      ['py3-a 2.0-r0']
    ]
  ])('%s', (_, existing, added, expected) => {
    expect(
      mergeRecorded(existing, added).map(
        item => `${item.package} ${item.version}`
      )
    ).toEqual(expected);
  });
});

describe('recordsOf', () => {
  it('keeps the requirements routed to apk, with their package and version', () => {
    const pip: IDecision = {
      requirement: 'torch',
      route: 'pip',
      package: null,
      version: null,
      reason: 'torch → pip: no prebuilt package'
    };
    expect(recordsOf([apkDecision('tabulate', '0.9.0-r1'), pip])).toEqual([
      { requirement: 'tabulate', package: 'py3-tabulate', version: '0.9.0-r1' }
    ]);
  });
});

describe('recordPackages', () => {
  let model: NotebookModel;

  beforeEach(() => {
    model = new NotebookModel();
    model.dirty = false;
  });

  afterEach(() => model.dispose());

  it('records under jupyterlab_apk and makes the notebook dirty', () => {
    recordPackages(model, [apkDecision('tabulate', '0.9.0-r1')]);
    expect(model.getMetadata(METADATA_KEY)).toEqual({
      packages: [
        {
          requirement: 'tabulate',
          package: 'py3-tabulate',
          version: '0.9.0-r1'
        }
      ]
    });
    expect(model.dirty).toBe(true);
  });

  it('merges with what is recorded, keeping other keys', () => {
    model.setMetadata(METADATA_KEY, {
      packages: [record('py3-b'), record('py3-tabulate', '0.8-r0')],
      note: 'kept'
    });
    recordPackages(model, [apkDecision('tabulate', '0.9.0-r1')]);
    expect(model.getMetadata(METADATA_KEY)).toEqual({
      packages: [record('py3-b'), record('py3-tabulate', '0.9.0-r1')],
      note: 'kept'
    });
    expect(readRecorded(model)).toHaveLength(2);
  });

  it('leaves the notebook clean when nothing changes', () => {
    recordPackages(model, [apkDecision('tabulate')]);
    model.dirty = false;
    recordPackages(model, [apkDecision('tabulate')]);
    recordPackages(model, []);
    expect(model.dirty).toBe(false);
  });
});

describe('the notebook executor records what apk installed', () => {
  let jobs: JobsModel;
  let server: FakeJobServer;
  let notebook: NotebookModel;

  beforeEach(() => {
    server = new FakeJobServer();
    jobs = new JobsModel({
      serverSettings: server.settings,
      pollWait: 1,
      pollGrace: 1000
    });
    notebook = new NotebookModel();
    server.decide = requirement =>
      requirement === 'torch'
        ? {
            requirement,
            route: 'pip',
            package: null,
            version: null,
            reason: 'torch → pip'
          }
        : apkDecision(requirement, '0.9.0-r1');
  });

  afterEach(() => {
    jobs.dispose();
    notebook.dispose();
  });

  /** Run a cell as the notebook plugin does, and end its job in `state`. */
  async function runRouted(source: string, state: 'done' | 'failed') {
    const router = new ServerPipRouter({
      jobs,
      serverSettings: server.settings,
      overrides: () => ({})
    });
    const executor = new PipCellExecutor({ router, isEnabled: () => true });
    const run = executor.wrap<IRunCellOptions & { notebook: NotebookModel }>(
      coreRunCell,
      (options, installed) => recordPackages(options.notebook, installed)
    );
    const { sessionContext } = fakeSession();
    const running = run({ cell: cell(source), sessionContext, notebook });
    await waitFor(() => jobs.jobs.length > 0);
    const [entry] = jobs.jobs;
    await waitFor(() => server.isHolding(entry.id));
    expect(notebook.getMetadata(METADATA_KEY)).toBeUndefined();
    server.update(entry.id, {
      state,
      error: state === 'failed' ? 'no' : null
    });
    await running;
  }

  it('after the job ended well', async () => {
    await runRouted('%pip install tabulate torch', 'done');
    expect(notebook.getMetadata(METADATA_KEY)).toEqual({
      packages: [
        {
          requirement: 'tabulate',
          package: 'py3-tabulate',
          version: '0.9.0-r1'
        }
      ]
    });
  });

  it('not when the job failed', async () => {
    await runRouted('%pip install tabulate', 'failed');
    expect(notebook.getMetadata(METADATA_KEY)).toBeUndefined();
  });
});

describe('packageState and missingPackages', () => {
  const available = makePackage(1);
  it.each<[string, IPackage | null, PackageState]>([
    ['installed', { ...available, installed_version: '1.0-r0' }, 'installed'],
    ['in a repository', { ...available, installed_version: null }, 'missing'],
    ['unknown to the server', null, 'unavailable']
  ])('%s', (_, found, expected) => {
    expect(packageState(found)).toBe(expected);
  });

  it.each<[string, Record<string, PackageState>, string[], string[]]>([
    ['all present', { 'py3-a': 'installed', 'py3-b': 'installed' }, [], []],
    [
      'one missing',
      { 'py3-a': 'installed', 'py3-b': 'missing' },
      ['py3-b'],
      []
    ],
    [
      'missing and unavailable',
      { 'py3-a': 'unavailable', 'py3-b': 'missing' },
      ['py3-b'],
      ['py3-a']
    ],
    ['state not known: no guess', { 'py3-a': 'missing' }, ['py3-a'], []]
  ])('%s', (_, states, missing, unavailable) => {
    const result = missingPackages(
      [record('py3-a'), record('py3-b')],
      new Map(Object.entries(states))
    );
    expect(result.missing.map(item => item.package)).toEqual(missing);
    expect(result.unavailable.map(item => item.package)).toEqual(unavailable);
  });
});

describe('noticeMessage', () => {
  it.each<[string[], string[], string]>([
    [
      ['py3-a'],
      [],
      'nb.ipynb uses system packages that are not installed: py3-a.'
    ],
    [
      ['py3-a', 'py3-b'],
      ['py3-x'],
      'nb.ipynb uses system packages that are not installed: py3-a, py3-b. Not in the configured repositories: py3-x.'
    ],
    [
      [],
      ['py3-x'],
      'nb.ipynb uses system packages that are neither installed nor in the configured repositories: py3-x.'
    ]
  ])('%j missing, %j unavailable', (missing, unavailable, expected) => {
    expect(noticeMessage('nb.ipynb', missing, unavailable, trans)).toBe(
      expected
    );
  });
});

describe('NotebookPackagesNotice', () => {
  let server: FakeJobServer;
  let jobs: JobsModel;
  let enabled: boolean;
  let lookups: string[];
  let catalog: Record<string, IPackage>;
  let notebook: NotebookModel;

  function notice(): NotebookPackagesNotice {
    return new NotebookPackagesNotice({
      jobs,
      trans,
      isEnabled: () => enabled,
      lookup: async name => {
        lookups.push(name);
        return catalog[name] ?? null;
      }
    });
  }

  function shown(id: string | null) {
    return Notification.manager.notifications.find(item => item.id === id);
  }

  beforeEach(() => {
    server = new FakeJobServer();
    jobs = new JobsModel({ serverSettings: server.settings });
    enabled = true;
    lookups = [];
    const pkg = (name: string, installed: string | null): IPackage => ({
      ...makePackage(0),
      name,
      installed_version: installed
    });
    catalog = {
      'py3-a': pkg('py3-a', '1.0-r0'),
      'py3-b': pkg('py3-b', null)
    };
    notebook = new NotebookModel();
    notebook.setMetadata(METADATA_KEY, {
      packages: [record('py3-a'), record('py3-b')]
    });
  });

  afterEach(() => {
    Notification.dismiss();
    jobs.dispose();
    notebook.dispose();
  });

  it('offers the missing packages once, and its action installs them after the plan', async () => {
    const checker = notice();
    const id = await checker.check('dir/nb.ipynb', notebook);
    const notification = shown(id)!;
    expect(notification.type).toBe('info');
    expect(notification.message).toBe(
      'nb.ipynb uses system packages that are not installed: py3-b.'
    );
    const actions = notification.options.actions!;
    expect(actions.map(action => action.label)).toEqual([
      'Install…',
      'Not now'
    ]);
    // Once per notebook and session.
    expect(await checker.check('dir/nb.ipynb', notebook)).toBeNull();
    expect(lookups).toEqual(['py3-a', 'py3-b']);

    actions[0].callback(new MouseEvent('click'));
    // The plan first (a preview job), as from the sidebar.
    await waitFor(() => jobs.activeJobFor('py3-b') !== null);
    const preview = jobs.activeJobFor('py3-b')!;
    expect(preview.job.preview).toBe(true);
    await waitFor(() => server.isHolding(preview.id));
    server.update(preview.id, {
      state: 'done',
      plan: {
        steps: [
          {
            action: 'install',
            name: 'py3-b',
            version: '1.0-r0',
            old_version: null
          }
        ],
        download_size: 10,
        installed_size: 20
      }
    });
    await waitFor(
      () => document.querySelector('.jp-Dialog .jp-ApkPlan-step') !== null
    );
    document
      .querySelector<HTMLButtonElement>('.jp-Dialog button.jp-mod-accept')!
      .click();
    const entry = await checker.installing;
    expect(entry!.job).toMatchObject({
      action: 'install',
      packages: ['py3-b'],
      preview: false
    });
  });

  it('shows nothing when all are present', async () => {
    catalog['py3-b'].installed_version = '1.0-r0';
    const count = Notification.manager.count;
    expect(await notice().check('nb.ipynb', notebook)).toBeNull();
    expect(Notification.manager.count).toBe(count);
  });

  it('shows nothing, and asks nothing, when the setting is off', async () => {
    enabled = false;
    expect(await notice().check('nb.ipynb', notebook)).toBeNull();
    expect(lookups).toEqual([]);
  });

  it('shows nothing for a notebook without records', async () => {
    notebook.deleteMetadata(METADATA_KEY);
    expect(await notice().check('nb.ipynb', notebook)).toBeNull();
    expect(lookups).toEqual([]);
  });

  it('names the packages no repository has, without offering them', async () => {
    delete catalog['py3-b'];
    const id = await notice().check('nb.ipynb', notebook);
    const notification = shown(id)!;
    expect(notification.message).toMatch(
      /neither installed nor in the configured repositories: py3-b\.$/
    );
    expect(notification.options.actions).toEqual([]);
  });

  it('shows nothing when the server cannot answer, and asks again next time', async () => {
    const checker = new NotebookPackagesNotice({
      jobs,
      trans,
      isEnabled: () => true,
      lookup: () => Promise.reject(new TypeError('Failed to fetch'))
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await checker.check('nb.ipynb', notebook)).toBeNull();
    expect(await checker.check('nb.ipynb', notebook)).toBeNull();
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe('NotebookPackagesNotice.lookupPackage', () => {
  it('answers null for a package the server does not know, and throws on other errors', async () => {
    const pkg = makePackage(3);
    const { settings, requests } = fakeServer(request => {
      const name = new URL(request.url).pathname.split('/').pop();
      if (name === pkg.name) {
        return json(pkg);
      }
      return name === 'broken'
        ? json({ message: 'boom' }, 500)
        : json({ message: 'no package' }, 404);
    });
    expect(
      await NotebookPackagesNotice.lookupPackage(pkg.name, settings)
    ).toEqual(pkg);
    expect(
      await NotebookPackagesNotice.lookupPackage('py3-nope', settings)
    ).toBeNull();
    await expect(
      NotebookPackagesNotice.lookupPackage('broken', settings)
    ).rejects.toThrow();
    expect(requests.map(request => new URL(request.url).pathname)).toEqual([
      `/lab-base/jupyterlab-apk/packages/${pkg.name}`,
      '/lab-base/jupyterlab-apk/packages/py3-nope',
      '/lab-base/jupyterlab-apk/packages/broken'
    ]);
  });
});

describe('jupyterlab-apk:notebook-packages', () => {
  afterEach(() => Notification.dismiss());

  /**
   * Activate the plugin with the setting `notice`, then open a notebook that
   * recorded py3-a (not installed): the packages the server was asked about.
   */
  async function openWith(notice: boolean): Promise<string[]> {
    const asked: string[] = [];
    const { settings } = fakeServer(request => {
      const name = new URL(request.url).pathname.split('/').pop()!;
      asked.push(name);
      return json({ ...makePackage(1), name, installed_version: null });
    });
    const app = {
      serviceManager: { serverSettings: settings }
    } as unknown as JupyterFrontEnd;
    const jobs = new JobsModel({ serverSettings: settings });
    const widgetAdded = new Signal<unknown, NotebookPanel>({});
    const tracker = { forEach: () => undefined, widgetAdded };
    const registry = {
      load: async () => ({
        get: (key: string) => ({
          composite: key === 'notebookPackagesNotice' ? notice : undefined
        }),
        changed: new Signal({})
      })
    };
    notebookPackagesPlugin.activate(app, jobs, tracker, registry, null);
    const model = new NotebookModel();
    model.setMetadata(METADATA_KEY, { packages: [record('py3-a')] });
    const count = Notification.manager.count;
    const panel = {
      isDisposed: false,
      context: { ready: Promise.resolve(), path: 'nb.ipynb', model }
    } as unknown as NotebookPanel;
    widgetAdded.emit(panel);
    if (notice) {
      await waitFor(() => Notification.manager.count > count);
    } else {
      await sleep(50); // nothing to wait for: time for a check to go wrong
    }
    model.dispose();
    jobs.dispose();
    return asked;
  }

  it('asks about the recorded packages and shows the notice', async () => {
    expect(await openWith(true)).toEqual(['py3-a']);
  });

  it('asks nothing when the setting is off', async () => {
    expect(await openWith(false)).toEqual([]);
  });
});
