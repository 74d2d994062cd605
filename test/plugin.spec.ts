// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The plugin's wiring, end to end from the commands to a fake server's fetch.
 */

import { IConsoleCellExecutor } from '@jupyterlab/console';
import { INotebookCellExecutor } from '@jupyterlab/notebook';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import packageJson from '../package.json';
import plugins from '../src/index';
import { JobsModel } from '../src/jobs/model';
import { IApkJobs } from '../src/tokens';
import { answer, makePackage, sleep, waitFor } from './utils';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

const PACKAGE_VERSION = packageJson.version;

const catalog = Array.from({ length: 30 }, (_, i) => makePackage(i));

/**
 * A fake jupyterlab-apk server behind `ServerConnection.ISettings.fetch`.
 */
function fakeServer(version: string): {
  settings: ServerConnection.ISettings;
  requests: Request[];
} {
  const requests: Request[] = [];
  const repositories = [
    {
      url: 'https://example.invalid/main',
      status: 'ok',
      message: null,
      packages: catalog.length,
      refreshed: null
    }
  ];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost/',
    fetch: async (input: RequestInfo | URL) => {
      const request = input as Request;
      requests.push(request);
      const url = new URL(request.url);
      const route = url.pathname.replace('/jupyterlab-apk/', '');
      const bool = (name: string) => {
        const value = url.searchParams.get(name);
        return value === null ? undefined : value === 'true';
      };
      let body: unknown;
      if (route === 'settings') {
        body = {
          version,
          demo_mode: false,
          arch: 'x86_64',
          repositories: repositories.map(repository => repository.url),
          allow_remove: true
        };
      } else if (route === 'packages') {
        body = answer(catalog, {
          q: url.searchParams.get('q') ?? undefined,
          python: bool('python'),
          installed: bool('installed'),
          upgradable: bool('upgradable'),
          offset: Number(url.searchParams.get('offset') ?? 0),
          limit: Number(url.searchParams.get('limit') ?? 50)
        });
      } else if (route === 'repositories' || route === 'refresh') {
        body = repositories;
      } else if (route === 'jobs' && request.method === 'GET') {
        body = [];
      } else if (route === 'jobs' && request.method === 'POST') {
        const data = await request.clone().json();
        return new Response(
          JSON.stringify({
            id: '00000000000000aa',
            state: 'queued',
            revision: 0,
            log: '',
            log_length: 0,
            progress: 0,
            plan: null,
            installed: [],
            created: '2026-01-01T00:00:00+00:00',
            ...data
          }),
          { status: 202 }
        );
      } else if (route.startsWith('jobs/')) {
        // Held, as the server holds a long-poll while nothing changes.
        return new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          );
        });
      } else {
        return new Response(JSON.stringify({ message: 'no route' }), {
          status: 404
        });
      }
      return new Response(JSON.stringify(body), { status: 200 });
    }
  });
  return { settings, requests };
}

/**
 * The jobs models the plugins created, disposed after each test.
 */
const models: (JobsModel | null)[] = [];

/**
 * The plugin with an id.
 */
function plugin(id: string) {
  return plugins.find(item => item.id === id)!;
}

/**
 * Activate the jobs plugin, then the catalog plugin, against a fake application.
 */
function activate(options: {
  version?: string;
  defaultFilter?: string;
  confirmSingleInstall?: boolean;
  palette?: boolean;
  jobs?: boolean;
}) {
  const server = fakeServer(options.version ?? PACKAGE_VERSION);
  const commands = new CommandRegistry();
  const added: Widget[] = [];
  const shell = {
    add: jest.fn((widget: Widget, area?: string) => added.push(widget)),
    activateById: jest.fn()
  };
  const app = {
    commands,
    shell,
    serviceManager: { serverSettings: server.settings }
  } as unknown as JupyterFrontEnd;
  const palette = { addItem: jest.fn() };
  const changed = new Signal<unknown, void>({});
  const settings = {
    get: jest.fn((key: string) => ({
      composite:
        key === 'defaultFilter'
          ? (options.defaultFilter ?? 'python')
          : (options.confirmSingleInstall ?? true)
    })),
    changed
  };
  const registry = {
    load: jest.fn(() => Promise.resolve(settings)),
    transform: jest.fn()
  } as unknown as ISettingRegistry;
  const statusBar = { registerStatusItem: jest.fn() };
  const jobs =
    options.jobs === false
      ? null
      : (plugin('jupyterlab-apk:jobs').activate(
          app,
          statusBar,
          null
        ) as JobsModel);
  models.push(jobs);
  void plugin('jupyterlab-apk:catalog').activate(
    app,
    options.palette === false ? null : (palette as unknown as ICommandPalette),
    null,
    registry,
    null,
    jobs
  );
  return {
    app,
    commands,
    shell,
    palette,
    added,
    server,
    registry,
    statusBar,
    jobs
  };
}

describe('jupyterlab-apk:catalog', () => {
  const attached: Widget[] = [];

  afterEach(() => {
    while (attached.length) {
      attached.pop()!.dispose();
    }
    while (models.length) {
      models.pop()?.dispose();
    }
    (showErrorMessage as jest.Mock).mockClear();
  });

  it('has the documented ids', () => {
    expect(plugins.map(item => item.id).sort()).toEqual([
      'jupyterlab-apk:catalog',
      'jupyterlab-apk:console-cell-executor',
      'jupyterlab-apk:jobs',
      'jupyterlab-apk:modules',
      'jupyterlab-apk:notebook-cell-executor',
      'jupyterlab-apk:notebook-packages'
    ]);
    expect(plugin('jupyterlab-apk:notebook-cell-executor').provides).toBe(
      INotebookCellExecutor
    );
    expect(plugin('jupyterlab-apk:console-cell-executor').provides).toBe(
      IConsoleCellExecutor
    );
    expect(plugin('jupyterlab-apk:jobs').provides).toBe(IApkJobs);
    expect(plugin('jupyterlab-apk:catalog').optional).toContain(IApkJobs);
  });

  it('gives both cell executor plugins one executor, which loads its settings once', async () => {
    const { app, registry, jobs } = activate({});
    const activateExecutor = (id: string) =>
      plugin(id).activate(app, jobs, registry, null) as Promise<{
        runCell: unknown;
      }>;
    const [notebook, console] = await Promise.all([
      activateExecutor('jupyterlab-apk:notebook-cell-executor'),
      activateExecutor('jupyterlab-apk:console-cell-executor')
    ]);
    expect(notebook.runCell).toEqual(expect.any(Function));
    expect(console.runCell).toEqual(expect.any(Function));
    const pipLoads = (registry.load as jest.Mock).mock.calls.filter(
      ([id]) => id === 'jupyterlab-apk:pip'
    );
    expect(pipLoads).toHaveLength(1);
  });

  it('shows the jobs in the status bar only while one is queued or running', () => {
    const { statusBar, jobs } = activate({});
    expect(statusBar.registerStatusItem).toHaveBeenCalledTimes(1);
    const [id, item] = statusBar.registerStatusItem.mock.calls[0];
    expect(id).toBe('jupyterlab-apk:jobs');
    expect(item.item.hasClass('jp-ApkJobs-status')).toBe(true);
    expect(item.isActive()).toBe(false);
    expect(item.activeStateChanged).toBe(jobs!.stateChanged);
  });

  it('restores the recent jobs at start', async () => {
    const { server } = activate({});
    await waitFor(() =>
      server.requests.some(
        request =>
          request.method === 'GET' &&
          new URL(request.url).pathname === '/jupyterlab-apk/jobs'
      )
    );
  });

  it('adds the job commands, which skip the confirmation of a single install when set', async () => {
    const { commands, server, jobs, added } = activate({
      confirmSingleInstall: false
    });
    attached.push(added[0]);
    for (const id of [
      'apk:install-packages',
      'apk:upgrade-packages',
      'apk:remove-packages'
    ]) {
      expect(commands.hasCommand(id)).toBe(true);
      expect(commands.label(id)).toMatch(/Packages$/);
    }
    await sleep(10);
    await commands.execute('apk:install-packages', {
      packages: ['py3-a']
    });
    const posts = server.requests.filter(request => request.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(await posts[0].json()).toEqual({
      action: 'install',
      packages: ['py3-a'],
      preview: false
    });
    expect(jobs!.hasActive).toBe(true);
    await expect(
      commands.execute('apk:install-packages', { packages: 'py3-a' })
    ).rejects.toThrow('packages must be a list');
  });

  it('has no job commands and no row actions without the jobs plugin', async () => {
    const { commands, added } = activate({ jobs: false });
    expect(commands.hasCommand('apk:install-packages')).toBe(false);
    const panel = added[0];
    attached.push(panel);
    Widget.attach(panel, document.body);
    await waitFor(
      () => panel.node.querySelectorAll('.jp-ApkPanel-entry').length > 0
    );
    expect(panel.node.querySelector('.jp-ApkPanel-install')).toBeNull();
    expect(panel.node.querySelector('.jp-ApkJobs-section')).toBeNull();
  });

  it('adds the panel to the left area and both commands to the palette', () => {
    const { commands, shell, palette, added } = activate({});
    expect(shell.add).toHaveBeenCalledTimes(1);
    expect(shell.add.mock.calls[0][1]).toBe('left');
    expect(added[0].id).toBe('jp-apk-panel');
    expect(commands.label('apk:open-catalog')).toBe('Open Prebuilt Packages');
    expect(commands.label('apk:refresh-catalog')).toBe(
      'Refresh Package Catalog'
    );
    expect(palette.addItem.mock.calls.map(call => call[0].command)).toEqual([
      'apk:open-catalog',
      'apk:refresh-catalog'
    ]);
  });

  it('works without a command palette', () => {
    const { commands } = activate({ palette: false });
    expect(commands.hasCommand('apk:open-catalog')).toBe(true);
  });

  it('opens the panel', async () => {
    const { commands, shell } = activate({});
    await commands.execute('apk:open-catalog');
    expect(shell.activateById).toHaveBeenCalledWith('jp-apk-panel');
  });

  it('re-reads the repositories on refresh', async () => {
    const { commands, server } = activate({});
    await commands.execute('apk:refresh-catalog');
    const posts = server.requests.filter(request => request.method === 'POST');
    expect(posts.map(request => new URL(request.url).pathname)).toEqual([
      '/jupyterlab-apk/refresh'
    ]);
  });

  it('says once that the server version differs', async () => {
    activate({ version: '9.9.9' });
    await waitFor(() => (showErrorMessage as jest.Mock).mock.calls.length > 0);
    await sleep(20);
    expect(showErrorMessage).toHaveBeenCalledTimes(1);
    const [, message] = (showErrorMessage as jest.Mock).mock.calls[0];
    expect(message).toContain('9.9.9');
    expect(message).toContain(PACKAGE_VERSION);
  });

  it('says nothing when the versions match', async () => {
    const { server } = activate({});
    await waitFor(() =>
      server.requests.some(
        request => new URL(request.url).pathname === '/jupyterlab-apk/settings'
      )
    );
    await sleep(30);
    expect(showErrorMessage).not.toHaveBeenCalled();
  });

  it('registers the policy transform of the settings before loading them', async () => {
    const { registry } = activate({});
    const load = registry.load as jest.Mock;
    const transform = registry.transform as jest.Mock;
    await waitFor(() => load.mock.calls.length > 0);
    expect(transform).toHaveBeenCalledWith(
      'jupyterlab-apk:catalog',
      expect.objectContaining({ fetch: expect.any(Function) })
    );
    expect(transform.mock.invocationCallOrder[0]).toBeLessThan(
      load.mock.invocationCallOrder[0]
    );
  });

  it('lists with the default filter of the settings once shown', async () => {
    const { added, server, registry } = activate({
      defaultFilter: 'installed'
    });
    await waitFor(() => (registry.load as jest.Mock).mock.calls.length > 0);
    await sleep(10);
    const panel = added[0];
    attached.push(panel);
    Widget.attach(panel, document.body);
    await waitFor(
      () => panel.node.querySelectorAll('.jp-ApkPanel-entry').length === 6
    );
    const listing = server.requests
      .map(request => new URL(request.url))
      .filter(url => url.pathname.endsWith('/packages'));
    expect(listing).toHaveLength(1);
    expect(listing[0].searchParams.get('installed')).toBe('true');
    expect(listing[0].searchParams.get('python')).toBeNull();
    expect(
      panel.node.querySelector<HTMLSelectElement>('select.jp-ApkPanel-filter')!
        .value
    ).toBe('installed');
  });
});
