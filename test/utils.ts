// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Test doubles shared by the specs: a fake catalog and a `CatalogModel`
 * whose protected fetch methods are served from it.
 */

import { ServerConnection } from '@jupyterlab/services';

import {
  IPackage,
  IPackageDetails,
  IPackageList,
  IPackageQuery,
  IRepository,
  IServerSettings
} from '../src/api';
import { CatalogModel } from '../src/catalog/model';

/**
 * A promise with its resolve and reject functions.
 */
export interface IDeferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/**
 * Create a promise to settle later.
 */
export function deferred<T>(): IDeferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Wait for a number of milliseconds.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Wait until `predicate` holds, failing after `timeout` milliseconds.
 */
export async function waitFor(
  predicate: () => boolean,
  timeout = 5000
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) {
      throw new Error(`Condition not met within ${timeout} ms: ${predicate}`);
    }
    await sleep(5);
  }
}

/**
 * Make one package; every third is a Python package, every fifth is installed
 * and every tenth is upgradable.
 */
export function makePackage(index: number, prefix = 'pkg'): IPackage {
  const name = `${prefix}-${String(index).padStart(3, '0')}`;
  const installed = index % 5 === 0;
  const upgradable = index % 10 === 0;
  return {
    name,
    version: '1.2.3-r0',
    description: `Description of ${name}`,
    size: 1024 * (index + 1),
    installed_size: 4096 * (index + 1),
    installed_version: installed
      ? upgradable
        ? '1.2.2-r0'
        : '1.2.3-r0'
      : null,
    upgradable,
    python: index % 3 === 0 ? '3.12' : null,
    repository: 'https://example.invalid/alpine/v3.20/main',
    origin: name,
    license: 'MIT',
    url: `https://example.invalid/${name}`
  };
}

/**
 * Answer a `GET packages` query from a list, as the server would.
 */
export function answer(
  packages: ReadonlyArray<IPackage>,
  query: IPackageQuery
): IPackageList {
  const matching = packages.filter(
    pkg =>
      (!query.q || pkg.name.includes(query.q)) &&
      (query.python === undefined || (pkg.python !== null) === query.python) &&
      (query.installed === undefined ||
        (pkg.installed_version !== null) === query.installed) &&
      (query.upgradable === undefined || pkg.upgradable === query.upgradable)
  );
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  return {
    total: matching.length,
    packages: matching.slice(offset, offset + limit)
  };
}

/**
 * A `ResponseError` as `requestAPI` throws it for an HTTP error.
 */
export function responseError(
  status: number,
  message: string
): ServerConnection.ResponseError {
  const response = { status, statusText: '', ok: false } as Response;
  return new ServerConnection.ResponseError(response, message);
}

/**
 * A catalog model served from memory; each fetch can be replaced per test.
 */
export class TestModel extends CatalogModel {
  constructor(options: CatalogModel.IOptions = {}) {
    super({
      searchDelay: 10,
      serverSettings: ServerConnection.makeSettings({
        baseUrl: 'http://localhost/'
      }),
      ...options
    });
  }

  /**
   * The catalog the default handlers answer from.
   */
  catalog: IPackage[] = Array.from({ length: 120 }, (_, i) => makePackage(i));

  /**
   * The queries of every `fetchPackages` call, in order.
   */
  queries: IPackageQuery[] = [];

  /**
   * The abort signals of every `fetchPackages` call, in order.
   */
  signals: (AbortSignal | undefined)[] = [];

  /**
   * The names of every `fetchPackage` call, in order.
   */
  detailRequests: string[] = [];

  /**
   * How many times `postRefresh` was called.
   */
  refreshCount = 0;

  repositoriesList: IRepository[] = [
    {
      url: 'https://example.invalid/alpine/v3.20/main',
      status: 'ok',
      message: null,
      packages: 120,
      refreshed: '2026-01-01T00:00:00Z'
    }
  ];

  packagesHandler: (query: IPackageQuery) => Promise<IPackageList> = query =>
    Promise.resolve(answer(this.catalog, query));

  packageHandler: (name: string) => Promise<IPackageDetails> = name => {
    const pkg = this.catalog.find(item => item.name === name);
    if (!pkg) {
      return Promise.reject(responseError(404, `unknown package: ${name}`));
    }
    return Promise.resolve({
      ...pkg,
      depends: ['python3~3.12'],
      provides: [`py3.12:${name}`],
      modules: [name.replace(/-/g, '_')]
    });
  };

  repositoriesHandler: () => Promise<IRepository[]> = () =>
    Promise.resolve(this.repositoriesList);

  refreshHandler: () => Promise<IRepository[]> = () =>
    Promise.resolve(this.repositoriesList);

  settingsHandler: () => Promise<IServerSettings> = () =>
    Promise.resolve({
      version: '0.1.0',
      demo_mode: false,
      demo_message: null,
      arch: 'x86_64',
      repositories: this.repositoriesList.map(repository => repository.url)
    });

  protected fetchPackages(
    query: IPackageQuery,
    signal?: AbortSignal
  ): Promise<IPackageList> {
    this.queries.push(query);
    this.signals.push(signal);
    return this.packagesHandler(query);
  }

  protected fetchPackage(name: string): Promise<IPackageDetails> {
    this.detailRequests.push(name);
    return this.packageHandler(name);
  }

  protected fetchRepositories(): Promise<IRepository[]> {
    return this.repositoriesHandler();
  }

  protected postRefresh(): Promise<IRepository[]> {
    this.refreshCount++;
    return this.refreshHandler();
  }

  protected fetchServerSettings(): Promise<IServerSettings> {
    return this.settingsHandler();
  }
}
