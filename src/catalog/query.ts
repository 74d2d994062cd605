// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog's query: its filters and sort orders, the `GET packages` query
 * they make, and the pure steps that take pages of packages in.
 *
 * No I/O and no DOM here.
 */

import { IPackage, IPackageList, IPackageQuery } from '../api';

/**
 * Search delay in milliseconds. The server answers a filtered page of the full Alpine catalog
 * in about 10 ms, so every keystroke may search (older requests are aborted); the delay only
 * coalesces keys that arrive within the same few frames.
 */
export const SEARCH_DELAY = 25;

/**
 * The largest page the server returns (`GET packages?limit=`).
 */
export const MAX_PAGE_SIZE = 500;

/**
 * Which packages the catalog lists.
 *
 * `python`: packages built for a Python version; `all`: everything;
 * `installed`: installed packages; `upgradable`: installed packages with a newer version.
 */
export type CatalogFilter = 'python' | 'all' | 'installed' | 'upgradable';

/**
 * The filters, in the order the view offers them.
 */
export const CATALOG_FILTERS: ReadonlyArray<CatalogFilter> = [
  'python',
  'all',
  'installed',
  'upgradable'
];

/**
 * Whether a value is one of the catalog filters.
 */
export function isCatalogFilter(value: unknown): value is CatalogFilter {
  return CATALOG_FILTERS.indexOf(value as CatalogFilter) !== -1;
}

/**
 * The orders the catalog offers: `relevance` is the server's default (by
 * relevance with a query, by name without).
 */
export type CatalogSort =
  'relevance' | 'name' | '-size' | 'size' | '-installed_size';

/**
 * The sort orders, in the order the view offers them.
 */
export const CATALOG_SORTS: ReadonlyArray<CatalogSort> = [
  'relevance',
  'name',
  '-size',
  'size',
  '-installed_size'
];

/**
 * The query for a search text, filter and order: the first page.
 */
export function packageQuery(
  text: string,
  filter: CatalogFilter,
  sort: CatalogSort,
  pageSize: number
): IPackageQuery {
  const query: IPackageQuery = { limit: pageSize, offset: 0 };
  const trimmed = text.trim();
  if (trimmed) {
    query.q = trimmed;
  }
  if (sort !== 'relevance') {
    query.sort = sort;
  }
  switch (filter) {
    case 'python':
      query.python = true;
      break;
    case 'installed':
      query.installed = true;
      break;
    case 'upgradable':
      query.upgradable = true;
      break;
    default:
      break;
  }
  return query;
}

/**
 * Whether a value is a `GET packages` reply (and not the error of one).
 */
export function isPackageList(value: unknown): value is IPackageList {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as IPackageList).packages)
  );
}

/**
 * Drop repeated names, keeping the first (React keys must be unique).
 */
export function uniquePackages(packages: IPackage[]): IPackage[] {
  const seen = new Set<string>();
  return packages.filter(pkg => {
    if (seen.has(pkg.name)) {
      return false;
    }
    seen.add(pkg.name);
    return true;
  });
}

/**
 * The packages and total once a further page is appended to those loaded.
 */
export function appendPage(
  packages: ReadonlyArray<IPackage>,
  page: IPackageList
): { packages: ReadonlyArray<IPackage>; total: number } {
  const known = new Set(packages.map(pkg => pkg.name));
  const fresh = page.packages.filter(pkg => !known.has(pkg.name));
  const all = packages.concat(fresh);
  // An empty page means the catalog shrank since the first page: stop paging.
  return {
    packages: all,
    total: page.packages.length === 0 ? all.length : page.total
  };
}
