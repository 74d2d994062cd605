// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import { ServerConnection } from '@jupyterlab/services';

import { IPackageDetails, IPackageList } from '../src/api';
import { CatalogModel, isCatalogFilter } from '../src/catalog/model';
import {
  answer,
  BROKEN_REPOSITORIES,
  deferred,
  IDeferred,
  makePackage,
  responseError,
  sleep,
  TestModel,
  waitFor
} from './utils';

/**
 * Initialize a model and wait for its first page and repositories.
 */
async function initialized(
  options: CatalogModel.IOptions = {}
): Promise<TestModel> {
  const model = new TestModel(options);
  await model.initialize();
  return model;
}

/**
 * Wait until the model has no search scheduled or running.
 */
function settled(model: CatalogModel): Promise<void> {
  return waitFor(() => !model.isLoading && !model.isLoadingMore);
}

describe('CatalogModel', () => {
  let model: TestModel;

  afterEach(() => {
    model?.dispose();
  });

  describe('#constructor', () => {
    it('starts empty, on the Python filter, without fetching', async () => {
      model = new TestModel();
      expect(model.query).toBe('');
      expect(model.filter).toBe('python');
      expect(model.packages).toEqual([]);
      expect(model.total).toBe(0);
      expect(model.isLoading).toBe(false);
      expect(model.error).toBeNull();
      expect(model.isInitialized).toBe(false);
      expect(model.pageSize).toBe(50);
      await sleep(30);
      expect(model.queries).toEqual([]);
    });

    it('takes the initial filter and page size from its options', async () => {
      model = await initialized({ filter: 'all', pageSize: 20 });
      expect(model.queries).toEqual([{ limit: 20, offset: 0 }]);
      expect(model.packages).toHaveLength(20);
      expect(model.total).toBe(120);
    });
  });

  describe('#initialize', () => {
    it('fetches the first page of Python packages and the repositories', async () => {
      model = await initialized();
      expect(model.queries).toEqual([{ limit: 50, offset: 0, python: true }]);
      expect(model.total).toBe(40);
      expect(model.packages).toHaveLength(40);
      expect(model.packages.every(pkg => pkg.python !== null)).toBe(true);
      expect(model.repositories).toHaveLength(1);
      expect(model.isLoading).toBe(false);
      expect(model.isInitialized).toBe(true);
    });

    it('fetches only once', async () => {
      model = new TestModel();
      const first = model.initialize();
      const second = model.initialize();
      expect(second).toBe(first);
      await first;
      await model.initialize();
      expect(model.queries).toHaveLength(1);
    });
  });

  describe('#query', () => {
    it('emits stateChanged only when the value changes', async () => {
      model = new TestModel();
      let emitted = 0;
      model.stateChanged.connect(() => emitted++);
      model.query = 'numpy';
      expect(emitted).toBe(1);
      model.query = 'numpy';
      expect(emitted).toBe(1);
    });

    it('does not fetch before initialize', async () => {
      model = new TestModel();
      model.query = 'pkg';
      await sleep(40);
      expect(model.queries).toEqual([]);
    });

    it('debounces typing into one fetch for the last query', async () => {
      model = await initialized();
      model.queries = [];
      model.query = 'p';
      model.query = 'pk';
      model.query = 'pkg-01';
      expect(model.isLoading).toBe(true);
      expect(model.queries).toEqual([]);
      await settled(model);
      await sleep(30);
      expect(model.queries).toEqual([
        { limit: 50, offset: 0, python: true, q: 'pkg-01' }
      ]);
      expect(model.packages.map(pkg => pkg.name)).toEqual([
        'pkg-012',
        'pkg-015',
        'pkg-018'
      ]);
      expect(model.total).toBe(3);
    });

    it('waits for the configured delay before fetching', async () => {
      model = await initialized({ searchDelay: 300 });
      model.queries = [];
      model.query = 'pkg';
      await sleep(30);
      expect(model.queries).toEqual([]);
      await settled(model);
      expect(model.queries).toHaveLength(1);
    });

    it('trims the query and leaves out an empty one', async () => {
      model = await initialized();
      model.query = '  pkg-00  ';
      await settled(model);
      expect(model.queries[1].q).toBe('pkg-00');
      model.query = '   ';
      await settled(model);
      expect(model.queries[2]).toEqual({ limit: 50, offset: 0, python: true });
    });
  });

  describe('#filter', () => {
    it.each([
      ['all', { limit: 50, offset: 0 }],
      ['installed', { limit: 50, offset: 0, installed: true }],
      ['upgradable', { limit: 50, offset: 0, upgradable: true }]
    ] as const)('%s sends %j', async (filter, expected) => {
      model = await initialized();
      model.filter = filter;
      await settled(model);
      expect(model.queries).toHaveLength(2);
      expect(model.queries[1]).toEqual(expected);
    });

    it('lists what the filter selects', async () => {
      model = await initialized();
      model.filter = 'upgradable';
      await settled(model);
      expect(model.total).toBe(12);
      expect(model.packages.every(pkg => pkg.upgradable)).toBe(true);
    });

    it('sends one fetch for a query and filter changed together', async () => {
      model = await initialized();
      model.query = 'pkg-1';
      model.filter = 'installed';
      await settled(model);
      await sleep(30);
      expect(model.queries.slice(1)).toEqual([
        { limit: 50, offset: 0, installed: true, q: 'pkg-1' }
      ]);
    });

    it('emits only on change', () => {
      model = new TestModel();
      let emitted = 0;
      model.stateChanged.connect(() => emitted++);
      model.filter = 'python';
      expect(emitted).toBe(0);
      model.filter = 'all';
      expect(emitted).toBe(1);
    });
  });

  describe('stale responses', () => {
    /**
     * Make `model` one whose package fetches wait for the test to settle them,
     * and search for 'pkg-00': the pending fetches, oldest first.
     */
    async function searchPending(): Promise<IDeferred<IPackageList>[]> {
      model = await initialized();
      const pending: IDeferred<IPackageList>[] = [];
      model.packagesHandler = () => {
        const d = deferred<IPackageList>();
        pending.push(d);
        return d.promise;
      };
      model.query = 'pkg-00';
      await waitFor(() => pending.length === 1);
      return pending;
    }

    it('drops an older response that arrives after the newer one', async () => {
      const pending = await searchPending();
      model.query = 'pkg-01';
      await waitFor(() => pending.length === 2);

      pending[1].resolve(answer(model.catalog, model.queries[2]));
      await waitFor(() => !model.isLoading);
      expect(model.packages.map(pkg => pkg.name)).toEqual([
        'pkg-012',
        'pkg-015',
        'pkg-018'
      ]);

      pending[0].resolve(answer(model.catalog, model.queries[1]));
      await sleep(20);
      expect(model.packages.map(pkg => pkg.name)).toEqual([
        'pkg-012',
        'pkg-015',
        'pkg-018'
      ]);
      expect(model.total).toBe(3);
    });

    it('never shows an older response once the query changed', async () => {
      const pending = await searchPending();
      model.query = 'pkg-01';
      // The first reply arrives while the second search is still debounced.
      pending[0].resolve(answer(model.catalog, model.queries[1]));
      await sleep(1);
      // Still the first page of the initial query, not the 4 matches of 'pkg-00'.
      expect(model.total).toBe(40);
      expect(model.isLoading).toBe(true);
      await waitFor(() => pending.length === 2);
      pending[1].resolve(answer(model.catalog, model.queries[2]));
      await settled(model);
      expect(model.packages.map(pkg => pkg.name)).toEqual([
        'pkg-012',
        'pkg-015',
        'pkg-018'
      ]);
    });

    it('drops an older error too', async () => {
      const pending = await searchPending();
      model.query = 'pkg-01';
      await waitFor(() => pending.length === 2);
      pending[1].resolve(answer(model.catalog, model.queries[2]));
      pending[0].reject(responseError(500, 'old failure'));
      await sleep(20);
      expect(model.error).toBeNull();
      expect(model.total).toBe(3);
    });

    it('aborts the request of the older query', async () => {
      await searchPending();
      const first = model.signals[1]!;
      expect(first.aborted).toBe(false);
      model.query = 'pkg-01';
      expect(first.aborted).toBe(true);
    });
  });

  describe('#search', () => {
    it('searches at once, replacing a scheduled search', async () => {
      model = await initialized({ searchDelay: 200 });
      model.query = 'pkg-11';
      await model.search();
      expect(model.queries).toHaveLength(2);
      expect(model.total).toBe(3);
      await sleep(250);
      expect(model.queries).toHaveLength(2);
    });
  });

  describe('#loadMore', () => {
    it('appends the next page and stops at the total', async () => {
      model = await initialized({ filter: 'all' });
      expect(model.packages).toHaveLength(50);
      expect(model.hasMore).toBe(true);

      await model.loadMore();
      expect(model.queries[1]).toEqual({ limit: 50, offset: 50 });
      expect(model.packages).toHaveLength(100);
      expect(model.packages[50].name).toBe('pkg-050');

      await model.loadMore();
      expect(model.queries[2]).toEqual({ limit: 50, offset: 100 });
      expect(model.packages).toHaveLength(120);
      expect(model.hasMore).toBe(false);

      await model.loadMore();
      expect(model.queries).toHaveLength(3);
    });

    it('keeps the query and filter of the current search', async () => {
      model = await initialized({ pageSize: 2 });
      model.query = 'pkg-0';
      await settled(model);
      await model.loadMore();
      expect(model.queries[2]).toEqual({
        limit: 2,
        offset: 2,
        python: true,
        q: 'pkg-0'
      });
    });

    it('loads one page at a time', async () => {
      model = await initialized({ filter: 'all' });
      await Promise.all([model.loadMore(), model.loadMore()]);
      expect(model.queries).toHaveLength(2);
      expect(model.packages).toHaveLength(100);
    });

    it('drops a page that arrives after the query changed', async () => {
      model = await initialized({ filter: 'all' });
      const page = deferred<IPackageList>();
      model.packagesHandler = () => page.promise;
      const loading = model.loadMore();
      expect(model.isLoadingMore).toBe(true);
      model.packagesHandler = query =>
        Promise.resolve(answer(model.catalog, query));
      model.query = 'pkg-11';
      await settled(model);
      page.resolve(answer(model.catalog, { offset: 50, limit: 50 }));
      await loading;
      expect(model.packages.map(pkg => pkg.name)).toEqual([
        'pkg-110',
        'pkg-111',
        'pkg-112',
        'pkg-113',
        'pkg-114',
        'pkg-115',
        'pkg-116',
        'pkg-117',
        'pkg-118',
        'pkg-119'
      ]);
    });

    it('stops paging when a page comes back empty', async () => {
      model = await initialized({ filter: 'all' });
      model.packagesHandler = () =>
        Promise.resolve({ total: 120, packages: [] });
      await model.loadMore();
      expect(model.hasMore).toBe(false);
      expect(model.total).toBe(50);
    });

    it('skips packages already listed', async () => {
      model = await initialized({ filter: 'all' });
      model.packagesHandler = () =>
        Promise.resolve({
          total: 120,
          packages: [makePackage(49), makePackage(50)]
        });
      await model.loadMore();
      expect(model.packages).toHaveLength(51);
      expect(new Set(model.packages.map(pkg => pkg.name)).size).toBe(51);
    });

    it('does nothing while a search is pending', async () => {
      model = await initialized({ filter: 'all' });
      model.query = 'pkg';
      await model.loadMore();
      expect(model.queries).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it('reports a network error', async () => {
      model = new TestModel();
      model.packagesHandler = () =>
        Promise.reject(
          new ServerConnection.NetworkError(new TypeError('Failed to fetch'))
        );
      await model.initialize();
      expect(model.error).toContain('Cannot reach the Jupyter server');
      expect(model.error).toContain('Failed to fetch');
      expect(model.packages).toEqual([]);
      expect(model.total).toBe(0);
      expect(model.isLoading).toBe(false);
    });

    it("shows the server's message of a 400 reply", async () => {
      model = await initialized();
      model.packagesHandler = () =>
        Promise.reject(responseError(400, 'invalid sort order: "color"'));
      model.query = 'pkg';
      await settled(model);
      expect(model.error).toBe('invalid sort order: "color"');
      expect(model.packages).toEqual([]);
    });

    it('explains a 404 of the listing as a missing server extension', async () => {
      model = new TestModel();
      model.packagesHandler = () =>
        Promise.reject(responseError(404, '404 Not Found'));
      await model.initialize();
      expect(model.error).toContain('server extension');
      expect(model.error).toContain('404 Not Found');
    });

    it('clears the error when a later search succeeds', async () => {
      model = new TestModel();
      model.packagesHandler = () =>
        Promise.reject(responseError(500, 'index unreadable'));
      await model.initialize();
      expect(model.error).toBe('index unreadable');
      model.packagesHandler = query =>
        Promise.resolve(answer(model.catalog, query));
      await model.retry();
      expect(model.error).toBeNull();
      expect(model.total).toBe(40);
    });

    it('keeps the loaded rows when a further page fails, and retries it', async () => {
      model = await initialized({ filter: 'all' });
      model.packagesHandler = () =>
        Promise.reject(responseError(503, 'try later'));
      await model.loadMore();
      expect(model.error).toBe('try later');
      expect(model.packages).toHaveLength(50);
      expect(model.hasMore).toBe(true);
      model.packagesHandler = query =>
        Promise.resolve(answer(model.catalog, query));
      await model.retry();
      expect(model.error).toBeNull();
      expect(model.packages).toHaveLength(100);
    });
  });

  describe('repositories', () => {
    it('keeps every repository with its status and message', async () => {
      model = new TestModel();
      model.repositoriesList = BROKEN_REPOSITORIES;
      await model.initialize();
      expect(model.repositories).toEqual(BROKEN_REPOSITORIES);
      expect(model.repositoriesError).toBeNull();
    });

    it('reports a failure to fetch them', async () => {
      model = new TestModel();
      model.repositoriesHandler = () =>
        Promise.reject(responseError(500, 'cache directory not writable'));
      await model.initialize();
      expect(model.repositoriesError).toBe('cache directory not writable');
      expect(model.isRefreshing).toBe(false);
      // The package list is independent of it.
      expect(model.total).toBe(40);
    });

    it('refreshCatalog re-reads them, then searches again', async () => {
      model = await initialized();
      model.refreshHandler = () => Promise.resolve(BROKEN_REPOSITORIES);
      const repositories = await model.refreshCatalog();
      expect(model.refreshCount).toBe(1);
      expect(repositories).toEqual(BROKEN_REPOSITORIES);
      expect(model.repositories).toEqual(BROKEN_REPOSITORIES);
      expect(model.queries).toHaveLength(2);
    });

    it('refreshCatalog throws and records a failure', async () => {
      model = await initialized();
      model.refreshHandler = () =>
        Promise.reject(responseError(500, 'refresh failed'));
      await expect(model.refreshCatalog()).rejects.toThrow('refresh failed');
      expect(model.repositoriesError).toBe('refresh failed');
      expect(model.repositories).toHaveLength(1);
      expect(model.isRefreshing).toBe(false);
    });
  });

  describe('#select', () => {
    it('shows the listed package at once and its details when they arrive', async () => {
      model = await initialized();
      const details = deferred<IPackageDetails>();
      model.packageHandler = () => details.promise;
      const selecting = model.select('pkg-003');
      expect(model.selected).toBe('pkg-003');
      expect(model.selectedPackage?.name).toBe('pkg-003');
      expect(model.isLoadingDetails).toBe(true);
      expect(model.details).toBeNull();
      details.resolve({
        ...makePackage(3),
        depends: ['python3'],
        provides: [],
        modules: ['pkg_003']
      });
      await selecting;
      expect(model.isLoadingDetails).toBe(false);
      expect(model.details?.modules).toEqual(['pkg_003']);
      expect(model.detailRequests).toEqual(['pkg-003']);
    });

    it('drops the details of a package no longer selected', async () => {
      model = await initialized();
      const first = deferred<IPackageDetails>();
      model.packageHandler = () => first.promise;
      const selecting = model.select('pkg-003');
      model.packageHandler = name =>
        Promise.resolve({
          ...makePackage(6),
          depends: [],
          provides: [],
          modules: [name]
        });
      await model.select('pkg-006');
      first.resolve({
        ...makePackage(3),
        depends: [],
        provides: [],
        modules: []
      });
      await selecting;
      expect(model.selected).toBe('pkg-006');
      expect(model.details?.name).toBe('pkg-006');
    });

    it("reports the server's message when the details fail", async () => {
      model = await initialized();
      await model.select('no-such-package');
      expect(model.detailsError).toBe('unknown package: no-such-package');
      expect(model.details).toBeNull();
      expect(model.isLoadingDetails).toBe(false);
    });

    it('clears the selection with null', async () => {
      model = await initialized();
      await model.select('pkg-003');
      await model.select(null);
      expect(model.selected).toBeNull();
      expect(model.selectedPackage).toBeNull();
      expect(model.details).toBeNull();
      expect(model.detailRequests).toEqual(['pkg-003']);
    });
  });

  describe('#fetchServerInfo', () => {
    it('records the server settings', async () => {
      model = new TestModel();
      model.settingsHandler = () =>
        Promise.resolve({
          version: '0.1.0',
          demo_mode: true,
          arch: 'aarch64',
          repositories: [],
          allow_remove: false
        });
      const info = await model.fetchServerInfo();
      expect(info.demo_mode).toBe(true);
      expect(model.serverInfo?.arch).toBe('aarch64');
    });
  });

  describe('#checked', () => {
    it('keeps the checked names in order and emits only on change', () => {
      model = new TestModel();
      let emitted = 0;
      model.stateChanged.connect(() => emitted++);
      model.setChecked('pkg-002', true);
      model.setChecked('pkg-001', true);
      model.setChecked('pkg-001', true);
      expect(model.checked).toEqual(['pkg-002', 'pkg-001']);
      expect(emitted).toBe(2);
      model.setChecked('pkg-002', false);
      model.setChecked('pkg-002', false);
      expect(model.checked).toEqual(['pkg-001']);
      expect(emitted).toBe(3);
      model.clearChecked();
      model.clearChecked();
      expect(model.checked).toEqual([]);
      expect(emitted).toBe(4);
    });
  });

  describe('#reload', () => {
    it('fetches the rows loaded and the open details again, in place', async () => {
      model = await initialized({ filter: 'all' });
      await model.loadMore();
      expect(model.packages).toHaveLength(100);
      await model.select('pkg-001');
      model.catalog[1] = { ...model.catalog[1], installed_version: '1.2.3-r0' };
      model.queries = [];
      model.detailRequests = [];
      let loading = false;
      model.stateChanged.connect(() => {
        loading = loading || model.isLoading;
      });
      await model.reload();
      expect(model.queries).toEqual([{ limit: 100, offset: 0 }]);
      expect(model.detailRequests).toEqual(['pkg-001']);
      expect(loading).toBe(false);
      expect(model.packages).toHaveLength(100);
      expect(model.packages[1].installed_version).toBe('1.2.3-r0');
      expect(model.details?.installed_version).toBe('1.2.3-r0');
      expect(model.selected).toBe('pkg-001');
    });

    it('loses to a search started meanwhile', async () => {
      model = await initialized({ filter: 'all' });
      const page = deferred<IPackageList>();
      model.packagesHandler = () => page.promise;
      const reloading = model.reload();
      model.packagesHandler = query =>
        Promise.resolve(answer(model.catalog, query));
      model.query = 'pkg-01';
      await settled(model);
      page.resolve({ total: 1, packages: [makePackage(99)] });
      await reloading;
      expect(model.packages.map(pkg => pkg.name)).toContain('pkg-012');
      expect(model.packages.map(pkg => pkg.name)).not.toContain('pkg-099');
    });

    it('does nothing before initialize', async () => {
      model = new TestModel();
      await model.reload();
      expect(model.queries).toEqual([]);
    });
  });

  describe('#dispose', () => {
    it('is idempotent', () => {
      model = new TestModel();
      model.dispose();
      expect(model.isDisposed).toBe(true);
      expect(() => model.dispose()).not.toThrow();
    });

    it('cancels a scheduled search', async () => {
      model = await initialized();
      model.query = 'pkg';
      model.dispose();
      await sleep(40);
      expect(model.queries).toHaveLength(1);
    });

    it('ignores and aborts a request in flight', async () => {
      model = await initialized();
      const page = deferred<IPackageList>();
      model.packagesHandler = () => page.promise;
      const searching = model.search();
      const signal = model.signals[1]!;
      let emitted = 0;
      model.stateChanged.connect(() => emitted++);
      model.dispose();
      expect(signal.aborted).toBe(true);
      page.resolve({ total: 1, packages: [makePackage(1)] });
      await searching;
      expect(emitted).toBe(0);
      expect(model.total).toBe(40);
    });
  });
});

describe('isCatalogFilter', () => {
  it('accepts the four filters only', () => {
    expect(
      ['python', 'all', 'installed', 'upgradable'].every(isCatalogFilter)
    ).toBe(true);
    expect(isCatalogFilter('everything')).toBe(false);
    expect(isCatalogFilter(undefined)).toBe(false);
  });
});
