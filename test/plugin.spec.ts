// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The plugin's wiring, end to end from the commands to a fake server's fetch.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import plugins from '../src/index';
import { answer, makePackage, sleep, waitFor } from './utils';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

const PACKAGE_VERSION: string = require('../package.json').version;

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
          demo_message: null,
          arch: 'x86_64',
          repositories: repositories.map(repository => repository.url)
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
 * Activate the catalog plugin against a fake application.
 */
function activate(options: {
  version?: string;
  defaultFilter?: string;
  palette?: boolean;
}) {
  const server = fakeServer(options.version ?? PACKAGE_VERSION);
  const commands = new CommandRegistry();
  const added: Widget[] = [];
  const shell = {
    add: jest.fn((widget: Widget) => added.push(widget)),
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
    get: jest.fn(() => ({ composite: options.defaultFilter ?? 'python' })),
    changed
  };
  const registry = {
    load: jest.fn(() => Promise.resolve(settings))
  } as unknown as ISettingRegistry;
  const plugin = plugins[0];
  void plugin.activate(
    app,
    options.palette === false ? null : (palette as unknown as ICommandPalette),
    null,
    registry,
    null
  );
  return { app, commands, shell, palette, added, server, registry };
}

describe('jupyterlab-apk:catalog', () => {
  const attached: Widget[] = [];

  afterEach(() => {
    while (attached.length) {
      attached.pop()!.dispose();
    }
    (showErrorMessage as jest.Mock).mockClear();
  });

  it('has the documented id', () => {
    expect(plugins.map(plugin => plugin.id)).toEqual([
      'jupyterlab-apk:catalog'
    ]);
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
