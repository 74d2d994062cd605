// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The packages: `GET packages` and `GET packages/<name>`.
 */

import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/**
 * A package as listed by `GET packages`.
 */
export interface IPackage {
  /**
   * The apk package name, e.g. `py3-numpy`.
   */
  name: string;
  /**
   * The newest version available in the configured repositories.
   */
  version: string;
  /**
   * The one-line description from the index.
   */
  description: string;
  /**
   * Download size in bytes.
   */
  size: number;
  /**
   * Size on disk once installed, in bytes.
   */
  installed_size: number;
  /**
   * The installed version, or `null` when the package is not installed.
   */
  installed_version: string | null;
  /**
   * Whether a newer version than the installed one is available.
   */
  upgradable: boolean;
  /**
   * The Python minor version the package is built for (`"3.12"`), or `null`
   * when it is not a Python package.
   */
  python: string | null;
  /**
   * The URL of the repository that provides the package.
   */
  repository: string;
  /**
   * The origin (source package) name.
   */
  origin: string;
  /**
   * The license expression from the index.
   */
  license: string;
  /**
   * The upstream project URL.
   */
  url: string;
}

/**
 * A package as returned by `GET packages/<name>`.
 */
export interface IPackageDetails extends IPackage {
  /**
   * The package's dependencies, as apk dependency strings.
   */
  depends: string[];
  /**
   * What the package provides (`so:`, `cmd:`, `py3.12:` …).
   */
  provides: string[];
  /**
   * The Python modules the package makes importable.
   */
  modules: string[];
}

/**
 * One page of `GET packages`.
 */
export interface IPackageList {
  /**
   * How many packages match the query, over all pages.
   */
  total: number;
  /**
   * The packages of the requested page.
   */
  packages: IPackage[];
}

/**
 * The sort orders `GET packages` accepts; a leading `-` reverses.
 */
export type PackageSort =
  'name' | '-name' | 'size' | '-size' | 'installed_size' | '-installed_size';

/**
 * The query of `GET packages`.
 *
 * #### Notes
 * Boolean filters left `undefined` are not sent, which means "no filter".
 */
export interface IPackageQuery {
  /**
   * Free text searched in names and descriptions.
   */
  q?: string;
  /**
   * Only Python packages (`true`) or only non-Python ones (`false`).
   */
  python?: boolean;
  /**
   * Only installed (`true`) or only not installed (`false`) packages.
   */
  installed?: boolean;
  /**
   * Only packages with an available upgrade.
   */
  upgradable?: boolean;
  /**
   * Index of the first package of the page.
   */
  offset?: number;
  /**
   * Page size; the server caps it at 500.
   */
  limit?: number;
  /**
   * Sort order.
   */
  sort?: PackageSort;
}

/**
 * Build the endpoint (path and query string) of a `GET packages` request.
 *
 * @param query The query; empty strings and `undefined` values are left out.
 *
 * @returns The endpoint relative to the API namespace, e.g. `packages?q=numpy&python=true`.
 */
export function packagesEndpoint(query: IPackageQuery = {}): string {
  const params = new URLSearchParams();
  if (query.q) {
    params.set('q', query.q);
  }
  for (const key of ['python', 'installed', 'upgradable'] as const) {
    const value = query[key];
    if (value !== undefined) {
      params.set(key, value ? 'true' : 'false');
    }
  }
  if (query.offset !== undefined) {
    params.set('offset', String(query.offset));
  }
  if (query.limit !== undefined) {
    params.set('limit', String(query.limit));
  }
  if (query.sort) {
    params.set('sort', query.sort);
  }
  const search = params.toString();
  return search ? `packages?${search}` : 'packages';
}

/**
 * Fetch one page of packages (`GET packages`).
 */
export function listPackages(
  query: IPackageQuery,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IPackageList> {
  return requestAPI<IPackageList>(packagesEndpoint(query), init, settings);
}

/**
 * Fetch one package with its dependencies, provides and modules (`GET packages/<name>`).
 */
export function getPackage(
  name: string,
  settings?: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<IPackageDetails> {
  return requestAPI<IPackageDetails>(
    `packages/${encodeURIComponent(name)}`,
    init,
    settings
  );
}
