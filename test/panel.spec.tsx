// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IPackageList, JobAction } from '../src/api';
import { CatalogPanel, PANEL_ID } from '../src/catalog/panel';
import { JobsModel } from '../src/jobs/model';
import {
  BROKEN_REPOSITORIES,
  deferred,
  FakeJobServer,
  responseError,
  sleep,
  TestModel,
  waitFor
} from './utils';

/**
 * Set an input's or select's value the way a user does, so React sees it.
 */
function setValue(
  element: HTMLInputElement | HTMLSelectElement,
  value: string,
  event: 'input' | 'change'
): void {
  const prototype = Object.getPrototypeOf(element);
  Object.getOwnPropertyDescriptor(prototype, 'value')!.set!.call(
    element,
    value
  );
  element.dispatchEvent(new Event(event, { bubbles: true }));
}

function key(element: Element, name: string): void {
  element.dispatchEvent(
    new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true })
  );
}

function rows(panel: Widget): HTMLElement[] {
  return Array.from(
    panel.node.querySelectorAll<HTMLElement>('li.jp-ApkPanel-entry')
  );
}

describe('CatalogPanel', () => {
  let model: TestModel;
  let panel: CatalogPanel;

  async function open(configure?: (m: TestModel) => void): Promise<void> {
    model = new TestModel();
    configure?.(model);
    panel = new CatalogPanel({ model, translator: nullTranslator });
    Widget.attach(panel, document.body);
    await model.initialize();
  }

  /**
   * Open the panel, wait for its first rows, and return its search box.
   */
  async function openSearchBox(): Promise<HTMLInputElement> {
    await open();
    await waitFor(() => rows(panel).length > 0);
    return panel.node.querySelector<HTMLInputElement>(
      '.jp-ApkPanel-search input'
    )!;
  }

  afterEach(() => {
    panel?.dispose();
    model?.dispose();
  });

  it('has the id and class the UI tests and the restorer use', async () => {
    await open();
    expect(panel.id).toBe(PANEL_ID);
    expect(panel.node.id).toBe('jp-apk-panel');
    expect(panel.hasClass('jp-ApkPanel')).toBe(true);
  });

  it('starts fetching when attached visible', () => {
    model = new TestModel();
    panel = new CatalogPanel({ model, translator: nullTranslator });
    expect(model.isInitialized).toBe(false);
    Widget.attach(panel, document.body);
    expect(model.isInitialized).toBe(true);
  });

  it('waits until a hidden panel is shown to fetch', () => {
    model = new TestModel();
    panel = new CatalogPanel({ model, translator: nullTranslator });
    panel.hide();
    Widget.attach(panel, document.body);
    expect(model.isInitialized).toBe(false);
    panel.show();
    expect(model.isInitialized).toBe(true);
  });

  it('renders only the first page of rows, with name, version, size and description', async () => {
    await open(m => {
      m.filter = 'all';
    });
    await waitFor(() => rows(panel).length === 50);
    const row = panel.node.querySelector<HTMLElement>(
      'li.jp-ApkPanel-entry[data-package="pkg-010"]'
    )!;
    expect(row).not.toBeNull();
    expect(row.classList).toContain('jp-mod-installed');
    expect(row.classList).toContain('jp-mod-upgradable');
    expect(row.querySelector('.jp-ApkPanel-entryName')!.textContent).toBe(
      'pkg-010'
    );
    expect(row.querySelector('.jp-ApkPanel-entryVersion')!.textContent).toBe(
      '1.2.3-r0'
    );
    expect(row.querySelector('.jp-ApkPanel-entrySize')!.textContent).toBe(
      '11 KiB'
    );
    expect(
      row.querySelector('.jp-ApkPanel-entryDescription')!.textContent
    ).toBe('Description of pkg-010');
    const plain = panel.node.querySelector('[data-package="pkg-001"]')!;
    expect(plain.classList).not.toContain('jp-mod-installed');
    expect(panel.node.querySelector('.jp-ApkPanel-count')!.textContent).toBe(
      '120 packages'
    );
  });

  it('never shows a count it does not know: nothing while loading or after an error', async () => {
    const gate = deferred<void>();
    model = new TestModel();
    const answerFrom = model.packagesHandler;
    model.packagesHandler = async query => {
      await gate.promise;
      if (query.q === 'broken') {
        throw new Error('server down');
      }
      return answerFrom(query);
    };
    panel = new CatalogPanel({ model, translator: nullTranslator });
    Widget.attach(panel, document.body);
    const count = () =>
      panel.node.querySelector('.jp-ApkPanel-count')!.textContent;
    await sleep(30);
    expect(model.isLoading).toBe(true);
    expect(count()).toBe('');
    gate.resolve();
    await waitFor(() => count() === '40 packages');
    model.query = 'broken';
    await waitFor(() => model.error !== null);
    expect(count()).toBe('');
  });

  it('sorts as picked, and labels its drop-downs', async () => {
    await open();
    await waitFor(() => rows(panel).length > 0);
    const filter = panel.node.querySelector('select.jp-ApkPanel-filter')!;
    expect(filter.getAttribute('aria-label')).toBe('Which packages to list');
    const sort = panel.node.querySelector<HTMLSelectElement>(
      'select.jp-ApkPanel-sort'
    )!;
    expect(sort.getAttribute('aria-label')).toBe('Sort packages by');
    expect(Array.from(sort.options).map(option => option.value)).toEqual([
      'relevance',
      'name',
      '-size',
      'size',
      '-installed_size'
    ]);
    expect(model.queries[model.queries.length - 1].sort).toBeUndefined();
    sort.value = '-installed_size';
    sort.dispatchEvent(new Event('change', { bubbles: true }));
    await waitFor(
      () => model.queries[model.queries.length - 1].sort === '-installed_size'
    );
  });

  it('marks a broken package with the explanation', async () => {
    await open(m => {
      m.catalog[3] = {
        ...m.catalog[3],
        broken: 'Files of py3 are missing: reinstall it.'
      };
    });
    await waitFor(() => rows(panel).length > 0);
    const badge = panel.node.querySelector<HTMLElement>(
      '[data-package="pkg-003"] .jp-ApkPanel-brokenBadge'
    )!;
    expect(badge.textContent).toBe('broken');
    expect(badge.title).toBe('Files of py3 are missing: reinstall it.');
    expect(
      panel.node.querySelectorAll('.jp-ApkPanel-brokenBadge')
    ).toHaveLength(1);
  });

  it('offers the four filters and applies the one picked', async () => {
    await open();
    await waitFor(() => rows(panel).length > 0);
    const select = panel.node.querySelector<HTMLSelectElement>(
      'select.jp-ApkPanel-filter'
    )!;
    expect(Array.from(select.options).map(option => option.value)).toEqual([
      'python',
      'all',
      'installed',
      'upgradable'
    ]);
    expect(select.value).toBe('python');
    setValue(select, 'upgradable', 'change');
    expect(model.filter).toBe('upgradable');
    await waitFor(() => rows(panel).length === 12);
  });

  it('searches as the user types in the search box', async () => {
    const input = await openSearchBox();
    setValue(input, 'pkg-01', 'input');
    expect(model.query).toBe('pkg-01');
    await waitFor(() => rows(panel).length === 3);
    expect(rows(panel).map(row => row.dataset.package)).toEqual([
      'pkg-012',
      'pkg-015',
      'pkg-018'
    ]);
  });

  it('keeps every keystroke when typing faster than it renders', async () => {
    const input = await openSearchBox();
    // Each key appends to what the input shows, before any re-render.
    for (const char of 'pkg-01') {
      setValue(input, input.value + char, 'input');
    }
    expect(input.value).toBe('pkg-01');
    expect(model.query).toBe('pkg-01');
    await waitFor(() => rows(panel).length === 3);
    expect(input.value).toBe('pkg-01');
  });

  it('clears the search with Escape', async () => {
    const input = await openSearchBox();
    setValue(input, 'pkg-01', 'input');
    await waitFor(() => rows(panel).length === 3);
    key(input, 'Escape');
    expect(model.query).toBe('');
    expect(input.value).toBe('');
    await waitFor(() => rows(panel).length === 40);
  });

  it('shows loading, then the empty state', async () => {
    await open();
    await waitFor(() => rows(panel).length > 0);
    const reply = deferred<IPackageList>();
    model.packagesHandler = () => reply.promise;
    model.query = 'nothing-matches';
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-loading') !== null
    );
    expect(panel.node.querySelector('.jp-ApkPanel-empty')).toBeNull();
    reply.resolve({ total: 0, packages: [] });
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-empty') !== null
    );
    expect(rows(panel)).toHaveLength(0);
    expect(panel.node.querySelector('.jp-ApkPanel-loading')).toBeNull();
    expect(
      panel.node.querySelector('.jp-ApkPanel-empty')!.textContent
    ).toContain('nothing-matches');
  });

  it("shows the server's error message with a retry button", async () => {
    await open(m => {
      m.packagesHandler = () =>
        Promise.reject(responseError(400, 'invalid query'));
    });
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-error') !== null
    );
    const error = panel.node.querySelector(
      '.jp-ApkPanel-packages .jp-ApkPanel-error'
    )!;
    expect(error.textContent).toContain('invalid query');
    expect(panel.node.querySelector('.jp-ApkPanel-empty')).toBeNull();
  });

  it('loads the next page with "Show more"', async () => {
    await open(m => {
      m.filter = 'all';
    });
    await waitFor(() => rows(panel).length === 50);
    const more =
      panel.node.querySelector<HTMLButtonElement>('.jp-ApkPanel-more')!;
    more.click();
    await waitFor(() => rows(panel).length === 100);
    (
      panel.node.querySelector('.jp-ApkPanel-more') as HTMLButtonElement
    ).click();
    await waitFor(() => rows(panel).length === 120);
    await waitFor(() => panel.node.querySelector('.jp-ApkPanel-more') === null);
  });

  it('shows the details of a clicked row', async () => {
    await open();
    await waitFor(() => rows(panel).length > 0);
    const row = panel.node.querySelector<HTMLElement>(
      '[data-package="pkg-003"]'
    )!;
    row.click();
    await waitFor(() =>
      (
        panel.node.querySelector('.jp-ApkPanel-details')?.textContent ?? ''
      ).includes('py3.12:pkg-003')
    );
    const details = panel.node.querySelector('.jp-ApkPanel-details')!;
    expect(details.textContent).toContain('pkg_003');
    expect(details.textContent).toContain('MIT');
    // In place of the list, which keeps its rows (and scroll) for the way back.
    expect(
      panel.node.querySelector<HTMLElement>('.jp-ApkPanel-scroll')!.hidden
    ).toBe(true);
    panel.node
      .querySelector<HTMLButtonElement>('.jp-ApkPanel-detailsBack')!
      .click();
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-details') === null
    );
    expect(
      panel.node.querySelector<HTMLElement>('.jp-ApkPanel-scroll')!.hidden
    ).toBe(false);
    row.click();
    await waitFor(() =>
      panel.node
        .querySelector('[data-package="pkg-003"]')!
        .classList.contains('jp-mod-selected')
    );
  });

  it('moves through the rows with the keyboard and opens details with Enter', async () => {
    const input = await openSearchBox();
    const list = panel.node.querySelector<HTMLElement>('.jp-ApkPanel-list')!;
    key(input, 'ArrowDown');
    await waitFor(() => rows(panel)[0].classList.contains('jp-mod-active'));
    expect(document.activeElement).toBe(list);
    key(list, 'ArrowDown');
    await waitFor(() => rows(panel)[1].classList.contains('jp-mod-active'));
    expect(list.getAttribute('aria-activedescendant')).toBe(rows(panel)[1].id);
    key(list, 'Enter');
    await waitFor(() => model.selected === 'pkg-003');
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-details') !== null
    );
    key(list, 'Escape');
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-details') === null
    );
    key(list, 'ArrowUp');
    await waitFor(() => rows(panel)[0].classList.contains('jp-mod-active'));
    key(list, 'ArrowUp');
    expect(document.activeElement).toBe(input);
  });

  it('loads the next page when the keyboard reaches the last row', async () => {
    await open(m => {
      m.filter = 'all';
    });
    await waitFor(() => rows(panel).length === 50);
    const list = panel.node.querySelector<HTMLElement>('.jp-ApkPanel-list')!;
    list.focus();
    key(list, 'End');
    await waitFor(() => rows(panel).length === 100);
  });

  it('explains repositories that are not ok', async () => {
    await open(m => {
      m.repositoriesList = BROKEN_REPOSITORIES;
    });
    await waitFor(
      () => panel.node.querySelectorAll('.jp-ApkPanel-repository').length === 4
    );
    const message = (status: string) =>
      panel.node
        .querySelector(`.jp-ApkPanel-repository[data-status="${status}"]`)!
        .querySelector('.jp-ApkPanel-repositoryMessage')?.textContent;
    expect(message('untrusted')).toContain(
      'no trusted key for signature RSA.alpine-devel@x.rsa.pub'
    );
    expect(message('error')).toContain('HTTP 404');
    expect(message('stale')).toContain('using the copy from 2026-01-01');
    expect(message('ok')).toBeUndefined();
    expect(panel.node.textContent).toContain('Repositories (3 problems)');
  });

  it('shows the demo banner in demo mode only', async () => {
    await open();
    await model.fetchServerInfo();
    await waitFor(() => rows(panel).length > 0);
    expect(panel.node.querySelector('.jp-ApkPanel-demo')).toBeNull();
    model.settingsHandler = () =>
      Promise.resolve({
        version: '0.1.0',
        demo_mode: true,
        arch: 'x86_64',
        repositories: [],
        allow_remove: true
      });
    await model.fetchServerInfo();
    await waitFor(() => panel.node.querySelector('.jp-ApkPanel-demo') !== null);
    expect(
      panel.node.querySelector('.jp-ApkPanel-demo')!.textContent
    ).toContain('demo mode: installs go to a sandbox root, not the system');
  });
});

describe('CatalogPanel with jobs', () => {
  let model: TestModel;
  let server: FakeJobServer;
  let jobs: JobsModel;
  let panel: CatalogPanel;
  let actions: [JobAction, ReadonlyArray<string>][];
  let declined = false;

  async function open(allowRemove = true, mayInstall = true): Promise<void> {
    model = new TestModel({ filter: 'all' });
    model.settingsHandler = () =>
      Promise.resolve({
        version: '0.1.0',
        demo_mode: false,
        arch: 'x86_64',
        repositories: [],
        allow_remove: allowRemove,
        may_install: mayInstall
      });
    server = new FakeJobServer();
    jobs = new JobsModel({ serverSettings: server.settings });
    actions = [];
    declined = false;
    panel = new CatalogPanel({
      model,
      translator: nullTranslator,
      jobs,
      onAction: (action, packages) => {
        actions.push([action, packages]);
        return Promise.resolve(!declined);
      }
    });
    Widget.attach(panel, document.body);
    await model.fetchServerInfo();
    await model.initialize();
    await waitFor(() => rows(panel).length === 50);
  }

  function row(name: string): HTMLElement {
    return panel.node.querySelector<HTMLElement>(
      `li.jp-ApkPanel-entry[data-package="${name}"]`
    )!;
  }

  afterEach(() => {
    panel?.dispose();
    jobs?.dispose();
    model?.dispose();
  });

  it('offers Install, Upgrade and Remove as each row allows', async () => {
    await open();
    // pkg-001: not installed; pkg-005: installed; pkg-010: installed and upgradable.
    const buttons = (name: string) =>
      Array.from(row(name).querySelectorAll('.jp-ApkPanel-action')).map(
        button => button.classList[1]
      );
    expect(buttons('pkg-001')).toEqual(['jp-ApkPanel-install']);
    expect(buttons('pkg-005')).toEqual(['jp-ApkPanel-remove']);
    expect(buttons('pkg-010')).toEqual([
      'jp-ApkPanel-upgrade',
      'jp-ApkPanel-remove'
    ]);
    expect(
      row('pkg-005').querySelector('.jp-ApkPanel-installedBadge')
    ).not.toBeNull();
    expect(row('pkg-005').dataset.installedVersion).toBe('1.2.3-r0');
    expect(
      row('pkg-001').querySelector('.jp-ApkPanel-installedBadge')
    ).toBeNull();
    expect(row('pkg-001').dataset.installedVersion).toBeUndefined();

    row('pkg-010')
      .querySelector<HTMLButtonElement>('.jp-ApkPanel-upgrade')!
      .click();
    row('pkg-001').querySelector<HTMLElement>('.jp-ApkPanel-install')!.click();
    expect(actions).toEqual([
      ['upgrade', ['pkg-010']],
      ['install', ['pkg-001']]
    ]);
    // The buttons do not select the row.
    expect(model.selected).toBeNull();
  });

  it('hides Remove when the administrator does not allow it', async () => {
    await open(false);
    expect(row('pkg-005').querySelector('.jp-ApkPanel-remove')).toBeNull();
    expect(row('pkg-010').querySelector('.jp-ApkPanel-upgrade')).not.toBeNull();
  });

  it('offers no job actions to a user who may only browse', async () => {
    await open(true, false);
    expect(rows(panel).length).toBe(50);
    expect(panel.node.querySelector('button.jp-ApkPanel-action')).toBeNull();
    expect(panel.node.querySelector('input.jp-ApkPanel-select')).toBeNull();
    expect(row('pkg-005').dataset.installedVersion).toBe('1.2.3-r0');
  });

  it('installs the checked packages in one job', async () => {
    await open();
    expect(panel.node.querySelector('.jp-ApkPanel-installSelected')).toBeNull();
    const check = (name: string) =>
      row(name).querySelector<HTMLElement>('.jp-ApkPanel-select')!;
    // The box shows the row's state: the row is the control, and holds none.
    expect(row('pkg-001').querySelector('input, button')).toBeNull();
    expect(row('pkg-001').getAttribute('aria-checked')).toBe('false');
    check('pkg-001').click();
    check('pkg-002').click();
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-installSelected') !== null
    );
    expect(model.checked).toEqual(['pkg-001', 'pkg-002']);
    expect(row('pkg-001').classList).toContain('jp-mod-checked');
    expect(row('pkg-001').getAttribute('aria-checked')).toBe('true');
    expect(
      panel.node.querySelector('.jp-ApkPanel-installSelected')!.textContent
    ).toBe('Install (2)');
    expect(panel.node.querySelector('.jp-ApkPanel-removeSelected')).toBeNull();
    expect(model.selected).toBeNull();
    expect(
      panel.node.querySelector('.jp-ApkPanel-selectionCount')!.textContent
    ).toBe('2 selected');
    panel.node
      .querySelector<HTMLButtonElement>('.jp-ApkPanel-installSelected')!
      .click();
    expect(actions).toEqual([['install', ['pkg-001', 'pkg-002']]]);
    await waitFor(() => model.checked.length === 0);
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-installSelected') === null
    );
    expect(row('pkg-001').getAttribute('aria-checked')).toBe('false');
  });

  it('upgrades and removes the checked installed packages, each action on those it applies to', async () => {
    await open();
    const list = panel.node.querySelector<HTMLElement>('.jp-ApkPanel-list')!;
    list.focus();
    // Space checks the row the keyboard is on.
    const index = model.packages.findIndex(pkg => pkg.name === 'pkg-005');
    for (let i = 0; i < index; i++) {
      key(list, 'ArrowDown');
    }
    await waitFor(() => row('pkg-005').classList.contains('jp-mod-active'));
    key(list, ' ');
    await waitFor(() => model.checked.includes('pkg-005'));
    row('pkg-010').querySelector<HTMLElement>('.jp-ApkPanel-select')!.click();
    row('pkg-001').querySelector<HTMLElement>('.jp-ApkPanel-select')!.click();
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-removeSelected') !== null
    );
    const text = (cls: string) =>
      panel.node.querySelector(`.${cls}`)!.textContent;
    expect(text('jp-ApkPanel-installSelected')).toBe('Install (1)');
    expect(text('jp-ApkPanel-upgradeSelected')).toBe('Upgrade (1)');
    expect(text('jp-ApkPanel-removeSelected')).toBe('Remove (2)');
    panel.node
      .querySelector<HTMLButtonElement>('.jp-ApkPanel-removeSelected')!
      .click();
    expect(actions).toEqual([['remove', ['pkg-005', 'pkg-010']]]);
    await waitFor(() => model.checked.length === 1);
    expect(model.checked).toEqual(['pkg-001']);
  });

  it('keeps the rows checked when the job is declined', async () => {
    await open();
    declined = true;
    row('pkg-001').querySelector<HTMLElement>('.jp-ApkPanel-select')!.click();
    await waitFor(
      () => panel.node.querySelector('.jp-ApkPanel-installSelected') !== null
    );
    panel.node
      .querySelector<HTMLButtonElement>('.jp-ApkPanel-installSelected')!
      .click();
    await waitFor(() => actions.length === 1);
    await sleep(10);
    expect(model.checked).toEqual(['pkg-001']);
  });

  it("shows a running job's progress in its rows, until it ends", async () => {
    await open();
    const { id } = await jobs.submit('install', ['pkg-001', 'pkg-002']);
    await waitFor(() => row('pkg-001').classList.contains('jp-mod-installing'));
    expect(row('pkg-002').classList).toContain('jp-mod-installing');
    expect(row('pkg-003').classList).not.toContain('jp-mod-installing');
    expect(row('pkg-001').querySelector('.jp-ApkPanel-install')).toBeNull();
    expect(
      row('pkg-001').querySelector('.jp-ApkPanel-jobState')!.textContent
    ).toBe('queued');
    await server.updateWhenHeld(id, { state: 'running', progress: 0.5 });
    await waitFor(
      () =>
        row('pkg-001').querySelector('.jp-ApkPanel-jobState')?.textContent ===
        'installing 50%'
    );
    const bar = row('pkg-001').querySelector<HTMLElement>(
      '.jp-ApkPanel-progressBar'
    )!;
    expect(bar.style.width).toBe('50%');
    await server.updateWhenHeld(id, { state: 'done', progress: 1 });
    await waitFor(
      () => !row('pkg-001').classList.contains('jp-mod-installing')
    );
    expect(row('pkg-001').querySelector('.jp-ApkPanel-progress')).toBeNull();
  });

  it('lists the jobs in their own section', async () => {
    await open();
    expect(panel.jobsSection).not.toBeNull();
    expect(panel.node.querySelector('.jp-ApkJobs-section')).not.toBeNull();
    expect(panel.jobsSection!.title.label).toBe('Jobs');
    await jobs.submit('install', ['pkg-001']);
    await waitFor(() => panel.node.querySelector('.jp-ApkJobs-job') !== null);
    expect(panel.jobsSection!.title.label).toBe('Jobs (1 running)');
  });
});
