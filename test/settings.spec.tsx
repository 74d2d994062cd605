// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The `repositories` setting: its schema (validated as JupyterLab's setting
 * registry does), the policy rules, the push to the server and the settings
 * editor's field.
 */

import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import {
  DefaultSchemaValidator,
  ISettingRegistry
} from '@jupyterlab/settingregistry';
import { nullTranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import catalogSchema from '../schema/catalog.json';
import { IRepository, IRepositoryPolicy, IServerInfo } from '../src/api';
import {
  checkRepositoryUrl,
  entriesFrom,
  IRepositoryEntry,
  isDefaultValue,
  matchesAllowed,
  normalizeRepositoryUrl,
  policyDefault,
  repositoriesToUse,
  RepositoriesField,
  RepositorySettingsModel,
  RefusalNotice,
  RepositorySettingsStatus,
  repositoryStatus,
  usedUrls,
  withPolicyDefault
} from '../src/settings';
import { sleep, waitFor } from './utils';

const SCHEMA = catalogSchema as ISettingRegistry.ISchema;

const PLUGIN_ID = 'jupyterlab-apk:catalog';

const trans = nullTranslator.load('jupyterlab_apk');

const MAIN = 'https://dl-cdn.alpinelinux.org/alpine/v3.22/main';
const COMMUNITY = 'https://dl-cdn.alpinelinux.org/alpine/v3.22/community';
const DEMO = '/srv/demo/repo';
const UNREACHABLE = 'http://127.0.0.1:9/unreachable';

/**
 * The UI tests' policy: two administrator repositories, no user repositories.
 */
const CLOSED: IRepositoryPolicy = {
  repositories: [DEMO, UNREACHABLE],
  allowed_repositories: [],
  allow_user_repositories: false
};

/**
 * A policy letting users add repositories below a mirror and one exact URL.
 */
const OPEN: IRepositoryPolicy = {
  repositories: [MAIN, COMMUNITY],
  allowed_repositories: [
    'https://mirror.example/alpine/',
    'https://packages.example/extra'
  ],
  allow_user_repositories: true
};

/**
 * A `GET settings` reply with a policy.
 */
function serverInfo(
  policy: IRepositoryPolicy,
  inUse: string[] = policy.repositories
): IServerInfo {
  return {
    version: '0.1.0',
    demo_mode: true,
    arch: 'x86_64',
    repositories: [...inUse],
    allow_remove: true,
    policy
  };
}

/**
 * The catalog plugin as the registry fetches it, with the user's settings.
 */
function makePlugin(
  user: Record<string, unknown> = {},
  schema: ISettingRegistry.ISchema = SCHEMA
): ISettingRegistry.IPlugin {
  return {
    id: PLUGIN_ID,
    raw: JSON.stringify(user),
    schema: JSON.parse(JSON.stringify(schema)),
    version: '0.1.0',
    data: { composite: {}, user: {} }
  };
}

/**
 * Validate user settings with JupyterLab's own validator (ajv, as the
 * registry configures it); returns the errors, or `null` and the composite.
 */
function validate(
  user: Record<string, unknown>,
  schema: ISettingRegistry.ISchema = SCHEMA
): { errors: unknown[] | null; composite: Record<string, unknown> } {
  const plugin = makePlugin(user, schema);
  const errors = new DefaultSchemaValidator().validateData(plugin);
  return {
    errors,
    composite: plugin.data.composite as Record<string, unknown>
  };
}

describe('schema/catalog.json repositories', () => {
  it('asks for a transform and defaults to Alpine v3.22 main and community', () => {
    expect(SCHEMA['jupyter.lab.transform']).toBe(true);
    const { errors, composite } = validate({});
    expect(errors).toBeNull();
    expect(composite.repositories).toEqual([
      { url: MAIN, enabled: true },
      { url: COMMUNITY, enabled: true }
    ]);
    expect(composite.defaultFilter).toBe('python');
  });

  it.each([
    ['an empty list', []],
    ['a URL only', [{ url: 'https://mirror.example/alpine/edge/main' }]],
    [
      'every field',
      [
        { url: MAIN, enabled: false, tag: 'edge' },
        { url: 'http://127.0.0.1:8000/repo/', enabled: true, tag: '' }
      ]
    ],
    ['a file URL', [{ url: 'file:///srv/repo' }]],
    ['an absolute path', [{ url: '/srv/repo', enabled: true }]],
    ['dots inside a name', [{ url: 'https://h.example/a..b/.hidden/c' }]]
  ])('accepts %s', (_, repositories) => {
    expect(validate({ repositories }).errors).toBeNull();
  });

  it.each([
    ['a relative path', [{ url: 'srv/repo' }]],
    ['an option', [{ url: '-X' }]],
    ['another scheme', [{ url: 'ftp://h.example/repo' }]],
    ['whitespace', [{ url: 'https://h.example/a b' }]],
    ['a tab', [{ url: 'https://h.example/a\tb' }]],
    ['a control character', [{ url: 'https://h.example/a\u0001' }]],
    ['a ".." segment', [{ url: 'https://h.example/alpine/../evil' }]],
    ['a "." segment', [{ url: 'https://h.example/alpine/./main' }]],
    ['a trailing ".."', [{ url: 'https://h.example/alpine/..' }]],
    ['an encoded ".."', [{ url: 'https://h.example/alpine/%2E%2e/x' }]],
    ['an encoded "/"', [{ url: 'https://h.example/alpine%2Fx' }]],
    ['an http URL without a host', [{ url: 'https:///repo' }]],
    ['a file URL with a host', [{ url: 'file://host/repo' }]],
    ['an empty URL', [{ url: '' }]],
    ['no URL', [{ enabled: true }]],
    ['a non-boolean enabled', [{ url: MAIN, enabled: 'yes' }]],
    ['a tag with a space', [{ url: MAIN, tag: 'my tag' }]],
    ['a tag with "@"', [{ url: MAIN, tag: '@edge' }]],
    ['an unknown field', [{ url: MAIN, priority: 1 }]],
    ['a plain string entry', [MAIN]],
    ['not a list', { url: MAIN }]
  ])('refuses %s', (_, repositories) => {
    expect(validate({ repositories }).errors).not.toBeNull();
  });

  it('uses a URL pattern that agrees with the server rules', () => {
    const pattern = new RegExp(
      catalogSchema.properties.repositories.items.properties.url.pattern,
      'u'
    );
    const urls = [
      MAIN,
      UNREACHABLE,
      'file:///srv/repo',
      '/',
      '/srv/repo/',
      'https://h',
      'https://h/',
      'https://h/a..b/c',
      '-x',
      'ftp://h/x',
      'https://h/a b',
      'https://h/a/../b',
      'https://h/a/./b',
      'https://h/a/..',
      'https://h/a/%2e%2E/b',
      'https://h/a%2fb',
      'relative',
      'https:///x',
      'file://host/x',
      'https://h/\u0001',
      'https://h/\u00a0x'
    ];
    for (const url of urls) {
      expect([url, pattern.test(url)]).toEqual([
        url,
        checkRepositoryUrl(url) === null
      ]);
    }
  });
});

describe('checkRepositoryUrl', () => {
  it.each([
    [MAIN, null],
    ['/srv/repo', null],
    ['file:///srv/repo', null],
    ['', 'empty'],
    ['-X', 'option'],
    ['--allow-untrusted', 'option'],
    ['https://h/a b', 'whitespace'],
    ['https://h/a\n', 'whitespace'],
    ['ftp://h/x', 'scheme'],
    ['repo', 'scheme'],
    ['https://h/a/../b', 'dot-segment'],
    ['https://h/a%2Fb', 'dot-segment']
  ])('%j → %j', (url, problem) => {
    expect(checkRepositoryUrl(url)).toBe(problem);
  });

  it('normalizes trailing slashes as the server does', () => {
    expect(normalizeRepositoryUrl('https://h/alpine/')).toBe(
      'https://h/alpine'
    );
    expect(normalizeRepositoryUrl('https://h/alpine//')).toBe(
      'https://h/alpine'
    );
    expect(normalizeRepositoryUrl('/')).toBe('/');
  });
});

describe('matchesAllowed', () => {
  it.each([
    ['https://m/alpine', 'https://m/alpine', true],
    ['https://m/alpine', 'https://m/alpine/', true],
    ['https://m/alpine/edge/main', 'https://m/alpine/', true],
    ['https://m/alpine/edge/main', 'https://m/alpine', false],
    ['https://m/alpine-evil', 'https://m/alpine', false],
    ['https://m/alpine-evil/main', 'https://m/alpine/', false]
  ])('%s under %s: %s', (url, allowed, expected) => {
    expect(matchesAllowed(url, allowed)).toBe(expected);
  });
});

describe('repositoryStatus', () => {
  it.each<[string, 'closed' | 'open' | 'unknown', unknown]>([
    [DEMO, 'closed', { kind: 'managed' }],
    [`${DEMO}/`, 'closed', { kind: 'managed' }],
    [UNREACHABLE, 'closed', { kind: 'managed' }],
    [
      'https://mirror.example/alpine/edge/main',
      'closed',
      { kind: 'forbidden', reason: 'no-user-repositories' }
    ],
    ['-X', 'closed', { kind: 'invalid', problem: 'option' }],
    ['https://h/a/../b', 'closed', { kind: 'invalid', problem: 'dot-segment' }],
    [MAIN, 'open', { kind: 'managed' }],
    [
      'https://mirror.example/alpine/edge/main',
      'open',
      { kind: 'allowed', rule: 'https://mirror.example/alpine/' }
    ],
    [
      'https://packages.example/extra/',
      'open',
      { kind: 'allowed', rule: 'https://packages.example/extra' }
    ],
    [
      'https://packages.example/extra/sub',
      'open',
      { kind: 'forbidden', reason: 'outside-allowed' }
    ],
    [
      'https://mirror.example/alpine-evil/main',
      'open',
      { kind: 'forbidden', reason: 'outside-allowed' }
    ],
    [
      'https://mirror.example/alpine/%2e%2e/evil',
      'open',
      { kind: 'invalid', problem: 'dot-segment' }
    ],
    [MAIN, 'unknown', { kind: 'unknown' }],
    ['ftp://h/x', 'unknown', { kind: 'invalid', problem: 'scheme' }]
  ])('%s under the %s policy → %j', (url, policy, expected) => {
    const policies = { closed: CLOSED, open: OPEN, unknown: null };
    expect(repositoryStatus(url, policies[policy])).toEqual(expected);
  });
});

describe('the policy default (fetch transform)', () => {
  it('makes the administrator’s repositories the default, keeping the shipped spelling', () => {
    expect(
      policyDefault(OPEN, [
        { url: `${MAIN}/`, enabled: false },
        { url: 'https://other.example/x', enabled: true }
      ])
    ).toEqual([
      { url: `${MAIN}/`, enabled: true },
      { url: COMMUNITY, enabled: true }
    ]);
    expect(
      policyDefault(CLOSED, SCHEMA.properties!.repositories.default)
    ).toEqual([
      { url: DEMO, enabled: true },
      { url: UNREACHABLE, enabled: true }
    ]);
  });

  it('transforms a copy of the plugin whose composite then holds the policy list', () => {
    const plugin = makePlugin();
    const transformed = withPolicyDefault(plugin, CLOSED);
    expect(transformed).not.toBe(plugin);
    expect(plugin.schema.properties!.repositories.default).toEqual(
      SCHEMA.properties!.repositories.default
    );
    expect(transformed.id).toBe(PLUGIN_ID);
    const { errors, composite } = validate({}, transformed.schema);
    expect(errors).toBeNull();
    expect(composite.repositories).toEqual([
      { url: DEMO, enabled: true },
      { url: UNREACHABLE, enabled: true }
    ]);
    // Applying it again changes nothing (a save fetches and transforms again).
    expect(withPolicyDefault(transformed, CLOSED).schema).toEqual(
      transformed.schema
    );
  });

  it('leaves the plugin alone without a policy', () => {
    const plugin = makePlugin();
    expect(withPolicyDefault(plugin, null)).toBe(plugin);
  });
});

describe('repositoriesToUse', () => {
  const defaults = policyDefault(CLOSED, []);

  it('keeps the administrator’s list while the value is the default', () => {
    expect(repositoriesToUse(undefined, defaults, CLOSED)).toEqual([
      DEMO,
      UNREACHABLE
    ]);
    expect(repositoriesToUse(defaults, defaults, CLOSED)).toEqual([
      DEMO,
      UNREACHABLE
    ]);
    // A trailing slash or an explicit `enabled: true` is still the default.
    expect(
      repositoriesToUse(
        [{ url: `${DEMO}/` }, { url: UNREACHABLE, enabled: true }],
        defaults,
        CLOSED
      )
    ).toEqual([DEMO, UNREACHABLE]);
    // Even when the shipped default is not the administrator's list.
    const shipped = SCHEMA.properties!.repositories.default;
    expect(repositoriesToUse(shipped, shipped, CLOSED)).toEqual([
      DEMO,
      UNREACHABLE
    ]);
  });

  it('uses the enabled untagged entries of a changed value, in order', () => {
    const value: IRepositoryEntry[] = [
      { url: UNREACHABLE, enabled: false },
      { url: 'https://mirror.example/alpine/edge/main/', enabled: true },
      { url: 'https://x.example/testing', enabled: true, tag: 'testing' },
      { url: DEMO },
      { url: `${DEMO}/`, enabled: true }
    ];
    expect(repositoriesToUse(value, defaults, CLOSED)).toEqual([
      'https://mirror.example/alpine/edge/main',
      DEMO
    ]);
    expect(repositoriesToUse([], defaults, CLOSED)).toEqual([]);
  });

  it('tells changed values from defaults', () => {
    expect(isDefaultValue(defaults, defaults)).toBe(true);
    expect(isDefaultValue([...defaults].reverse(), defaults)).toBe(false);
    expect(
      isDefaultValue([{ url: DEMO, tag: 'x' }, { url: UNREACHABLE }], defaults)
    ).toBe(false);
    expect(usedUrls(entriesFrom([{ url: 'bad url' }, 'junk', null]))).toEqual([
      'bad url'
    ]);
  });
});

/**
 * A model whose `PUT repositories` goes to a fake server enforcing a policy.
 */
function fakeServer(policy: IRepositoryPolicy, options: { fail?: Error } = {}) {
  const puts: string[][] = [];
  let inUse = [...policy.repositories];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost/',
    fetch: async (input: RequestInfo | URL) => {
      const request = input as Request;
      const path = new URL(request.url).pathname;
      if (path !== '/jupyterlab-apk/repositories' || request.method !== 'PUT') {
        return new Response(JSON.stringify({ message: 'no route' }), {
          status: 404
        });
      }
      if (options.fail) {
        throw options.fail;
      }
      const urls: string[] = (await request.json()).repositories;
      puts.push(urls);
      for (const url of urls) {
        const status = repositoryStatus(url, policy);
        if (status.kind === 'invalid') {
          return new Response(
            JSON.stringify({ message: `repository URL '${url}' is malformed` }),
            { status: 400 }
          );
        }
        if (status.kind === 'forbidden') {
          return new Response(
            JSON.stringify({
              message: `${url} is not one of the administrator's repositories, and users may not add repositories`
            }),
            { status: 403 }
          );
        }
      }
      inUse = urls.map(normalizeRepositoryUrl);
      const states: IRepository[] = inUse.map(url => ({
        url,
        status: 'ok',
        message: null,
        packages: 1,
        refreshed: null
      }));
      return new Response(JSON.stringify(states), { status: 200 });
    }
  });
  const model = new RepositorySettingsModel({ serverSettings: settings });
  return { model, puts, inUse: () => inUse };
}

describe('RepositorySettingsModel', () => {
  const defaults = policyDefault(CLOSED, []);
  const models: RepositorySettingsModel[] = [];
  const server = (...args: Parameters<typeof fakeServer>) => {
    const made = fakeServer(...args);
    models.push(made.model);
    return made;
  };

  afterEach(() => {
    while (models.length) {
      models.pop()!.dispose();
    }
  });

  describe('#apply()', () => {
    it('sends nothing before the policy is known', async () => {
      const { model, puts } = server(CLOSED);
      await model.apply([{ url: DEMO }], defaults);
      expect(puts).toEqual([]);
    });

    it('sends nothing while the setting is the default', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      await model.apply(defaults, defaults);
      // RepositorySettingsModel.apply, not Function.prototype.apply:
      // eslint-disable-next-line prefer-spread
      await model.apply(undefined, defaults);
      expect(puts).toEqual([]);
      expect(model.error).toBeNull();
    });

    it('sends nothing until the transform gave the setting its default', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      await model.apply([{ url: DEMO }]);
      expect(puts).toEqual([]);
      model.transform(makePlugin());
      expect(model.defaultValue).toEqual(defaults);
      await model.apply([{ url: DEMO }]);
      expect(puts).toEqual([[DEMO]]);
    });

    it('sends the enabled URLs of an edited list in order, then emits `applied`', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      const applied: ReadonlyArray<IRepository>[] = [];
      model.applied.connect((_, states) => applied.push(states));
      await model.apply(
        [
          { url: UNREACHABLE, enabled: true },
          { url: `${DEMO}/`, enabled: true }
        ],
        defaults
      );
      await model.apply(
        [
          { url: DEMO, enabled: true },
          { url: UNREACHABLE, enabled: false }
        ],
        defaults
      );
      expect(puts).toEqual([[UNREACHABLE, DEMO], [DEMO]]);
      expect(model.inUse).toEqual([DEMO]);
      expect(applied.map(states => states.map(state => state.url))).toEqual([
        [UNREACHABLE, DEMO],
        [DEMO]
      ]);
      expect(model.isApplying).toBe(false);
      expect(model.error).toBeNull();
      // The same list again: already in use.
      await model.apply([{ url: DEMO }], defaults);
      expect(puts).toHaveLength(2);
    });

    it('brings the administrator’s list back when the setting is restored', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED, [DEMO]);
      await model.apply(defaults, defaults);
      expect(puts).toEqual([[DEMO, UNREACHABLE]]);
    });

    it('shows a refusal once and does not send the refused list again', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      const failures: string[] = [];
      model.failed.connect((_, message) => failures.push(message));
      const forbidden = [
        ...defaults,
        { url: 'https://mirror.example/alpine/edge/main', enabled: true }
      ];
      await model.apply(forbidden, defaults);
      expect(puts).toHaveLength(1);
      expect(model.error).toMatch(/users may not add repositories/);
      expect(failures).toEqual([model.error]);
      // The server keeps its list.
      expect(model.inUse).toEqual([DEMO, UNREACHABLE]);
      // Other settings change, the list does not: no new request.
      await model.apply(forbidden, defaults);
      await model.apply(JSON.parse(JSON.stringify(forbidden)), defaults);
      expect(puts).toHaveLength(1);
      expect(failures).toHaveLength(1);
      // Back to the list in use: nothing to send, and the refusal is over.
      await model.apply(defaults, defaults);
      expect(puts).toHaveLength(1);
      expect(model.error).toBeNull();
    });

    it('reports a malformed URL with the server’s message', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      await model.apply([{ url: 'ftp://h/x' }], defaults);
      expect(puts).toEqual([['ftp://h/x']]);
      expect(model.error).toMatch(/malformed/);
    });

    it('retries after a network error only when the setting changes again', async () => {
      const { model } = server(CLOSED, { fail: new TypeError('offline') });
      model.serverInfo = serverInfo(CLOSED);
      const failures: string[] = [];
      model.failed.connect((_, message) => failures.push(message));
      await model.apply([{ url: DEMO }], defaults);
      expect(model.error).toMatch(/Cannot reach the Jupyter server/);
      await model.apply([{ url: DEMO }], defaults);
      expect(failures).toHaveLength(2);
    });

    it('sends only the latest of the values given while a request is under way', async () => {
      const { model, puts } = server(CLOSED);
      model.serverInfo = serverInfo(CLOSED);
      const first = model.apply([{ url: UNREACHABLE }], defaults);
      expect(model.isApplying).toBe(true);
      void model.apply([{ url: UNREACHABLE }, { url: DEMO }], defaults);
      const last = model.apply([{ url: DEMO }], defaults);
      await Promise.all([first, last]);
      expect(puts).toEqual([[UNREACHABLE], [DEMO]]);
      expect(model.inUse).toEqual([DEMO]);
    });
  });
});

/**
 * Render a React element in an attached widget.
 */
async function render(element: React.ReactElement): Promise<ReactWidget> {
  const widget = ReactWidget.create(element);
  Widget.attach(widget, document.body);
  widget.update();
  await widget.renderPromise;
  return widget;
}

/**
 * Type into an input as a user does (React listens to `input` events).
 */
function type(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(
    HTMLInputElement.prototype,
    'value'
  )!.set!;
  setter.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

function press(input: HTMLInputElement, key: string): void {
  input.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
}

describe('RefusalNotice', () => {
  it('shows one notification per refusal and closes it once the list is fixed', async () => {
    Notification.dismiss();
    const { model } = fakeServer(CLOSED);
    model.serverInfo = serverInfo(CLOSED);
    const defaults = policyDefault(CLOSED, []);
    const edits: number[] = [];
    const notice = new RefusalNotice({
      model,
      trans,
      onEdit: () => edits.push(1)
    });
    const forbidden = (url: string) => [...defaults, { url, enabled: true }];
    await model.apply(forbidden('https://mirror.example/a'), defaults);
    const id = notice.notificationId!;
    const shown = () =>
      Notification.manager.notifications.filter(item => item.id === id);
    expect(shown()).toHaveLength(1);
    expect(shown()[0].type).toBe('error');
    expect(shown()[0].message).toMatch(
      /^Repositories not applied: .*users may not add repositories/
    );
    shown()[0].options.actions![0].callback(new MouseEvent('click'));
    expect(edits).toEqual([1]);
    // Another refused entry: the same notification, updated.
    await model.apply(forbidden('https://mirror.example/b'), defaults);
    expect(notice.notificationId).toBe(id);
    expect(Notification.manager.count).toBe(1);
    // The entry removed: the server's list is in use again, the notice closes.
    await model.apply(defaults, defaults);
    expect(shown()).toHaveLength(0);
    expect(notice.notificationId).toBeNull();
    notice.dispose();
    model.dispose();
  });
});

describe('RepositoriesField', () => {
  let widget: ReactWidget | null = null;

  afterEach(() => {
    widget?.dispose();
    widget = null;
    document.body.innerHTML = '';
  });

  /**
   * Render the field over entries; `changes` records what it saves.
   */
  async function field(
    entries: IRepositoryEntry[],
    policy: IRepositoryPolicy | null = CLOSED
  ) {
    const model = new RepositorySettingsModel();
    if (policy) {
      model.serverInfo = serverInfo(policy);
    }
    const changes: IRepositoryEntry[][] = [];
    widget = await render(
      <RepositoriesField
        entries={entries}
        onChange={value => changes.push(value)}
        model={model}
        trans={trans}
        idPrefix="test"
        title={trans.__('Repositories')}
      />
    );
    const node = widget.node;
    const row = (url: string) =>
      node.querySelector<HTMLElement>(
        `.jp-ApkRepositoriesField-entry[data-url="${url}"]`
      )!;
    return { node, row, changes, model };
  }

  it('shows an administrator’s entry read-only, with the reason', async () => {
    const { row, changes } = await field([
      { url: DEMO, enabled: true },
      { url: UNREACHABLE, enabled: true }
    ]);
    const managed = row(DEMO);
    expect(managed.dataset.status).toBe('managed');
    expect(managed.classList.contains('jp-mod-managed')).toBe(true);
    const url = managed.querySelector<HTMLInputElement>(
      '.jp-ApkRepositoriesField-url input'
    )!;
    expect(url.readOnly).toBe(true);
    expect(
      managed.querySelector('.jp-ApkRepositoriesField-status')!.textContent
    ).toMatch(/Managed by the administrator/);
    const remove = managed.querySelector<HTMLButtonElement>(
      'button[title^="The administrator manages"]'
    )!;
    expect(remove.disabled).toBe(true);
    // It can still be disabled.
    managed
      .querySelector<HTMLInputElement>('.jp-ApkRepositoriesField-enabled')!
      .click();
    await waitFor(() => changes.length === 1);
    expect(changes[0]).toEqual([
      { url: DEMO, enabled: false },
      { url: UNREACHABLE, enabled: true }
    ]);
  });

  it('marks an entry outside the policy with the refusal reason', async () => {
    const outside = 'https://mirror.example/alpine/edge/main';
    const { row } = await field([{ url: DEMO }, { url: outside }]);
    const forbidden = row(outside);
    expect(forbidden.dataset.status).toBe('forbidden');
    expect(forbidden.classList.contains('jp-mod-error')).toBe(true);
    expect(
      forbidden.querySelector('.jp-ApkRepositoriesField-status')!.textContent
    ).toMatch(/^Not allowed: .*users may not add repositories/);
    // Its URL is the user's to edit.
    expect(
      forbidden.querySelector<HTMLInputElement>(
        '.jp-ApkRepositoriesField-url input'
      )!.readOnly
    ).toBe(false);
  });

  it('refuses a malformed URL with a message and saves nothing', async () => {
    const { node, changes } = await field([{ url: DEMO }]);
    const input = node.querySelector<HTMLInputElement>('#test-add')!;
    type(input, 'https://h.example/alpine/../etc');
    press(input, 'Enter');
    await waitFor(
      () => node.querySelector('.jp-ApkRepositoriesField-inputError') !== null
    );
    expect(
      node.querySelector('.jp-ApkRepositoriesField-inputError')!.textContent
    ).toMatch(/"\." or "\.\." path segments/);
    type(input, DEMO + '/');
    press(input, 'Enter');
    await waitFor(() =>
      /already in the list/.test(
        node.querySelector('.jp-ApkRepositoriesField-inputError')
          ?.textContent ?? ''
      )
    );
    await sleep(10);
    expect(changes).toEqual([]);
  });

  it('adds, moves and removes user entries', async () => {
    const added = 'https://mirror.example/alpine/edge/main';
    const { node, row, changes } = await field(
      [
        { url: DEMO, enabled: true },
        { url: added, enabled: true }
      ],
      OPEN
    );
    expect(row(added).dataset.status).toBe('allowed');
    const input = node.querySelector<HTMLInputElement>('#test-add')!;
    type(input, ' /srv/other ');
    node
      .querySelector<HTMLButtonElement>('.jp-ApkRepositoriesField-add button')!
      .click();
    await waitFor(() => changes.length === 1);
    expect(changes[0].map(entry => entry.url)).toEqual([
      DEMO,
      added,
      '/srv/other'
    ]);
    row(added)
      .querySelector<HTMLButtonElement>('button[title="Move up"]')!
      .click();
    await waitFor(() => changes.length === 2);
    expect(changes[1].map(entry => entry.url)).toEqual([added, DEMO]);
    row(added)
      .querySelector<HTMLButtonElement>('button[title="Remove"]')!
      .click();
    await waitFor(() => changes.length === 3);
    expect(changes[2]).toEqual([{ url: DEMO, enabled: true }]);
  });

  it('checks an edited URL and tag before saving them', async () => {
    const user = 'https://mirror.example/alpine/edge/main';
    const { row, changes } = await field([{ url: user, enabled: true }], OPEN);
    const entry = row(user);
    const url = entry.querySelector<HTMLInputElement>(
      '.jp-ApkRepositoriesField-url input'
    )!;
    type(url, '-X');
    press(url, 'Enter');
    await waitFor(() => /cannot start with "-"/.test(entry.textContent ?? ''));
    const tag = entry.querySelector<HTMLInputElement>(
      '.jp-ApkRepositoriesField-tag'
    )!;
    type(tag, 'my tag');
    press(tag, 'Enter');
    await waitFor(() =>
      /may only contain letters/.test(entry.textContent ?? '')
    );
    expect(changes).toEqual([]);
    type(tag, 'edge');
    press(tag, 'Enter');
    await waitFor(() => changes.length === 1);
    expect(changes[0]).toEqual([{ url: user, enabled: true, tag: 'edge' }]);
  });

  it('says when the policy is unknown, and what the server refused', async () => {
    const unknown = await field([{ url: MAIN }], null);
    expect(unknown.row(MAIN).dataset.status).toBe('unknown');
    expect(
      unknown.node.querySelector('.jp-ApkRepositoriesField-server')!.textContent
    ).toMatch(/policy is not known/);
  });
});

describe('RepositorySettingsStatus', () => {
  it('explains a refusal in the sidebar until the list is fine again', async () => {
    const { model } = fakeServer(CLOSED);
    model.serverInfo = serverInfo(CLOSED);
    const onEdit = jest.fn();
    const status = new RepositorySettingsStatus({ model, trans, onEdit });
    Widget.attach(status, document.body);
    const defaults = policyDefault(CLOSED, []);
    await model.apply([...defaults, { url: 'https://x.example/r' }], defaults);
    status.update();
    await status.renderPromise;
    await waitFor(() => status.node.querySelector('[role="alert"]') !== null);
    expect(status.node.textContent).toMatch(
      /not in use: https:\/\/x\.example\/r is not one of/
    );
    status.node.querySelector<HTMLButtonElement>('button')!.click();
    expect(onEdit).toHaveBeenCalledTimes(1);
    await model.apply(defaults, defaults);
    await waitFor(() => status.node.querySelector('[role="alert"]') === null);
    status.dispose();
    model.dispose();
  });
});
