// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * State of the package catalog sidebar: query, filter, the loaded pages of
 * packages, the selected package's details and the repositories' state.
 *
 * No DOM here: views render this model and call its methods.
 */

import { ServerConnection } from '@jupyterlab/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { VDomModel } from '@jupyterlab/ui-components';
import { Debouncer } from '@lumino/polling';

import {
  describeRequestError,
  getPackage,
  getServerSettings,
  IPackage,
  IPackageDetails,
  IPackageList,
  IPackageQuery,
  IRepository,
  IServerInfo,
  listPackages,
  listRepositories,
  refreshRepositories
} from '../api';

/**
 * Search delay in milliseconds. The server answers a filtered page of the full Alpine catalog
 * in about 10 ms, so every keystroke may search (older requests are aborted); the delay only
 * coalesces keys that arrive within the same few frames.
 */
const SEARCH_DELAY = 25;

/**
 * The largest page the server returns (`GET packages?limit=`).
 */
const MAX_PAGE_SIZE = 500;

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
 * The model of the package catalog.
 *
 * #### Notes
 * Changing `query` or `filter` schedules one search after `searchDelay`
 * milliseconds; further changes within that delay restart it. Each search
 * invalidates every older request, so a slow reply to an old query can never
 * overwrite the reply to a newer one. Nothing is fetched before `initialize()`.
 */
export class CatalogModel extends VDomModel {
  /**
   * Construct a new catalog model.
   */
  constructor(options: CatalogModel.IOptions = {}) {
    super();
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this.pageSize = options.pageSize ?? 50;
    this._filter = options.filter ?? 'python';
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_apk');
    this._debouncer = new Debouncer(
      () => this._search(),
      options.searchDelay ?? SEARCH_DELAY
    );
  }

  /**
   * The server settings used for all requests.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * How many packages one page holds.
   */
  readonly pageSize: number;

  /**
   * Whether `initialize()` has been called.
   */
  get isInitialized(): boolean {
    return this._initialized;
  }

  /**
   * The free-text search query.
   *
   * Setting it schedules a (debounced) search.
   */
  get query(): string {
    return this._query;
  }
  set query(value: string) {
    if (value === this._query) {
      return;
    }
    this._query = value;
    this._scheduleSearch();
    this.stateChanged.emit();
  }

  /**
   * Which packages are listed.
   *
   * Setting it schedules a (debounced) search.
   */
  get filter(): CatalogFilter {
    return this._filter;
  }
  set filter(value: CatalogFilter) {
    if (value === this._filter) {
      return;
    }
    this._filter = value;
    this._scheduleSearch();
    this.stateChanged.emit();
  }

  /**
   * The packages loaded so far for the current query, in server order.
   */
  get packages(): ReadonlyArray<IPackage> {
    return this._packages;
  }

  /**
   * How many packages match the current query and filter, over all pages.
   */
  get total(): number {
    return this._total;
  }

  /**
   * Whether more pages can be loaded with `loadMore()`.
   */
  get hasMore(): boolean {
    return this._packages.length < this._total;
  }

  /**
   * Whether a search is scheduled or running (the list may not match the query yet).
   */
  get isLoading(): boolean {
    return this._searchScheduled || this._searching;
  }

  /**
   * Whether a further page is being loaded.
   */
  get isLoadingMore(): boolean {
    return this._loadingMore;
  }

  /**
   * Why the last search or page load failed, or `null`.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * The state of the configured repositories, as last fetched.
   */
  get repositories(): ReadonlyArray<IRepository> {
    return this._repositories;
  }

  /**
   * Why the repositories could not be fetched or refreshed, or `null`.
   */
  get repositoriesError(): string | null {
    return this._repositoriesError;
  }

  /**
   * Whether the repositories are being fetched or re-read.
   */
  get isRefreshing(): boolean {
    return this._refreshing > 0;
  }

  /**
   * The server's settings reply, or `null` until it has been fetched.
   */
  get serverInfo(): IServerInfo | null {
    return this._serverInfo;
  }

  /**
   * The name of the selected package, or `null`.
   */
  get selected(): string | null {
    return this._selected;
  }

  /**
   * The selected package as listed, or `null` when it is not (or no longer) in the list.
   */
  get selectedPackage(): IPackage | null {
    if (this._selected === null) {
      return null;
    }
    return (
      this._details ??
      this._packages.find(pkg => pkg.name === this._selected) ??
      null
    );
  }

  /**
   * The selected package's details, or `null` while they load or when none is selected.
   */
  get details(): IPackageDetails | null {
    return this._details;
  }

  /**
   * Why the selected package's details could not be fetched, or `null`.
   */
  get detailsError(): string | null {
    return this._detailsError;
  }

  /**
   * Whether the selected package's details are being fetched.
   */
  get isLoadingDetails(): boolean {
    return this._loadingDetails;
  }

  /**
   * The names of the packages checked for a job on several packages, in the
   * order they were checked; they stay checked when the list changes.
   */
  get checked(): ReadonlyArray<string> {
    return this._checked;
  }

  /**
   * Check or uncheck a package for a job on several packages.
   */
  setChecked(name: string, checked: boolean): void {
    const index = this._checked.indexOf(name);
    if (checked === (index !== -1)) {
      return;
    }
    this._checked = checked
      ? [...this._checked, name]
      : this._checked.filter(item => item !== name);
    this.stateChanged.emit();
  }

  /**
   * Uncheck every package.
   */
  clearChecked(): void {
    if (this._checked.length === 0) {
      return;
    }
    this._checked = [];
    this.stateChanged.emit();
  }

  /**
   * Fetch the packages listed and the selected package's details again, in
   * place: after a job, their installed versions have changed.
   *
   * #### Notes
   * Unlike `search()`, the list stays as it is until the new one arrives, and
   * as long as it was (up to the server's page limit); a search started
   * meanwhile wins.
   */
  async reload(): Promise<void> {
    if (!this._initialized || this.isDisposed) {
      return;
    }
    if (this.isLoading) {
      // The search under way may have been answered before the change.
      return this.search();
    }
    const generation = this._generation;
    const detailsGeneration = this._detailsGeneration;
    const selected = this._selected;
    const limit = Math.min(
      Math.max(this._packages.length, this.pageSize),
      MAX_PAGE_SIZE
    );
    const [page, details] = await Promise.all([
      this.fetchPackages({ ...this._queryParams(), limit }).catch(
        reason => reason as unknown
      ),
      selected === null
        ? Promise.resolve(null)
        : this.fetchPackage(selected).catch(() => null)
    ]);
    if (this.isDisposed) {
      return;
    }
    if (generation === this._generation) {
      if (Private.isPackageList(page)) {
        this._packages = Private.unique(page.packages);
        this._total = Math.max(page.total, this._packages.length);
        this._error = null;
      } else {
        this._error = describeRequestError(page, this._trans, true);
      }
    }
    if (detailsGeneration === this._detailsGeneration && details !== null) {
      this._details = details;
      this._detailsError = null;
    }
    this.stateChanged.emit();
  }

  /**
   * Start fetching: the first page of packages and the repositories.
   *
   * #### Notes
   * Only the first call does anything; later calls return the same promise.
   */
  initialize(): Promise<void> {
    if (!this._initialization) {
      this._initialized = true;
      this.stateChanged.emit();
      this._initialization = Promise.all([
        this.search(),
        this.reloadRepositories()
      ]).then(() => undefined);
    }
    return this._initialization;
  }

  /**
   * Search now with the current query and filter, dropping any scheduled search.
   *
   * @returns A promise that resolves once the first page is shown (or the error is).
   */
  async search(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    if (this._searchScheduled) {
      this._searchScheduled = false;
      await this._debouncer.stop();
    }
    return this._search();
  }

  /**
   * Load the next page of packages and append it.
   *
   * #### Notes
   * Does nothing when every package is loaded, a search is under way or a page
   * is already loading. A page that arrives after the query changed is dropped.
   */
  async loadMore(): Promise<void> {
    if (
      this.isDisposed ||
      !this.hasMore ||
      this._loadingMore ||
      this.isLoading
    ) {
      return;
    }
    const generation = this._generation;
    const signal = this._abort?.signal;
    this._loadingMore = true;
    this.stateChanged.emit();
    let page: IPackageList;
    try {
      page = await this.fetchPackages(
        { ...this._queryParams(), offset: this._packages.length },
        signal
      );
    } catch (reason) {
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      this._error = describeRequestError(reason, this._trans, true);
      this._loadingMore = false;
      this.stateChanged.emit();
      return;
    }
    if (generation !== this._generation || this.isDisposed) {
      return;
    }
    const known = new Set(this._packages.map(pkg => pkg.name));
    const fresh = page.packages.filter(pkg => !known.has(pkg.name));
    this._packages = this._packages.concat(fresh);
    // An empty page means the catalog shrank since the first page: stop paging.
    this._total =
      page.packages.length === 0 ? this._packages.length : page.total;
    this._error = null;
    this._loadingMore = false;
    this.stateChanged.emit();
  }

  /**
   * Repeat what failed last: the search when nothing is listed, the next page otherwise.
   */
  retry(): Promise<void> {
    if (this._packages.length === 0) {
      return this.search();
    }
    if (this._error !== null) {
      // loadMore() leaves the error in place until the page arrives.
      return this.loadMore();
    }
    return Promise.resolve();
  }

  /**
   * Select a package and fetch its details, or clear the selection with `null`.
   */
  async select(name: string | null): Promise<void> {
    if (this.isDisposed || name === this._selected) {
      return;
    }
    const generation = ++this._detailsGeneration;
    this._selected = name;
    this._details = null;
    this._detailsError = null;
    this._loadingDetails = name !== null;
    this.stateChanged.emit();
    if (name === null) {
      return;
    }
    let details: IPackageDetails | null = null;
    let error: string | null = null;
    try {
      details = await this.fetchPackage(name);
    } catch (reason) {
      error = describeRequestError(reason, this._trans);
    }
    if (generation !== this._detailsGeneration || this.isDisposed) {
      return;
    }
    this._details = details;
    this._detailsError = error;
    this._loadingDetails = false;
    this.stateChanged.emit();
  }

  /**
   * Fetch the repositories and the packages again, once initialized (the
   * server uses other repositories).
   */
  reloadAll(): void {
    if (this._initialized) {
      void this.reloadRepositories();
      void this.reload();
    }
  }

  /**
   * Fetch the repositories' state again (without re-reading them on the
   * server, which `refreshCatalog` asks for).
   */
  async reloadRepositories(): Promise<void> {
    await this._updateRepositories(() => this.fetchRepositories());
  }

  /**
   * Make the server re-read every repository, then search again.
   *
   * @returns The repositories' state after re-reading.
   *
   * @throws The request's error, after recording it in `repositoriesError`.
   */
  async refreshCatalog(): Promise<ReadonlyArray<IRepository>> {
    const ok = await this._updateRepositories(() => this.postRefresh());
    if (!ok) {
      throw new Error(this._repositoriesError ?? '');
    }
    if (this._initialized) {
      await this.search();
    }
    return this._repositories;
  }

  /**
   * Fetch the server's version and mode into `serverInfo`.
   *
   * @throws The request's error; `serverInfo` is left unchanged.
   */
  async fetchServerInfo(): Promise<IServerInfo> {
    const info = await this.fetchServerSettings();
    if (!this.isDisposed) {
      this._serverInfo = info;
      this.stateChanged.emit();
    }
    return info;
  }

  /**
   * Dispose of the model: pending requests are ignored and nothing is scheduled anymore.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._generation++;
    this._detailsGeneration++;
    this._abort?.abort();
    this._abort = null;
    this._debouncer.dispose();
    super.dispose();
  }

  /**
   * Fetch one page of packages.
   *
   * @param query The query, including `offset` and `limit`.
   * @param signal Aborts the request when a newer search starts.
   */
  protected fetchPackages(
    query: IPackageQuery,
    signal?: AbortSignal
  ): Promise<IPackageList> {
    return listPackages(query, this.serverSettings, signal ? { signal } : {});
  }

  /**
   * Fetch one package's details.
   */
  protected fetchPackage(name: string): Promise<IPackageDetails> {
    return getPackage(name, this.serverSettings);
  }

  /**
   * Fetch the repositories' state.
   */
  protected fetchRepositories(): Promise<IRepository[]> {
    return listRepositories(this.serverSettings);
  }

  /**
   * Ask the server to re-read the repositories.
   */
  protected postRefresh(): Promise<IRepository[]> {
    return refreshRepositories(this.serverSettings);
  }

  /**
   * Fetch the server's settings.
   */
  protected fetchServerSettings(): Promise<IServerInfo> {
    return getServerSettings(this.serverSettings);
  }

  /**
   * The query for the current text and filter, first page.
   */
  private _queryParams(): IPackageQuery {
    const query: IPackageQuery = { limit: this.pageSize, offset: 0 };
    const text = this._query.trim();
    if (text) {
      query.q = text;
    }
    switch (this._filter) {
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
   * Make every request in flight stale and abort it.
   */
  private _invalidate(): void {
    this._generation++;
    this._abort?.abort();
    this._abort = null;
    this._loadingMore = false;
  }

  /**
   * Schedule a debounced search after the query or filter changed.
   */
  private _scheduleSearch(): void {
    if (!this._initialized || this.isDisposed) {
      return;
    }
    // The list no longer matches the query: replies to older queries are stale now.
    this._invalidate();
    this._searchScheduled = true;
    this._debouncer.invoke().catch(() => {
      // stop() and dispose() reject the pending invocation on purpose.
    });
  }

  /**
   * Fetch the first page for the current query and filter.
   */
  private async _search(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    this._invalidate();
    const generation = this._generation;
    const abort = new AbortController();
    this._abort = abort;
    this._searchScheduled = false;
    this._searching = true;
    this.stateChanged.emit();
    let page: IPackageList | null = null;
    let error: string | null = null;
    try {
      page = await this.fetchPackages(this._queryParams(), abort.signal);
    } catch (reason) {
      error = describeRequestError(reason, this._trans, true);
    }
    if (generation !== this._generation || this.isDisposed) {
      return;
    }
    this._packages = page ? Private.unique(page.packages) : [];
    this._total = page ? Math.max(page.total, this._packages.length) : 0;
    this._error = error;
    this._searching = false;
    this.stateChanged.emit();
  }

  /**
   * Replace the repositories with what `fetch` returns.
   *
   * @returns Whether the fetch succeeded.
   */
  private async _updateRepositories(
    fetch: () => Promise<IRepository[]>
  ): Promise<boolean> {
    if (this.isDisposed) {
      return false;
    }
    const generation = ++this._repositoriesGeneration;
    this._refreshing++;
    this.stateChanged.emit();
    let ok = true;
    try {
      const repositories = await fetch();
      if (generation === this._repositoriesGeneration) {
        this._repositories = repositories;
        this._repositoriesError = null;
      }
    } catch (reason) {
      ok = false;
      if (generation === this._repositoriesGeneration) {
        this._repositoriesError = describeRequestError(
          reason,
          this._trans,
          true
        );
      }
    }
    this._refreshing--;
    if (!this.isDisposed) {
      this.stateChanged.emit();
    }
    return ok;
  }

  private _abort: AbortController | null = null;
  private _checked: ReadonlyArray<string> = [];
  private _debouncer: Debouncer<void>;
  private _details: IPackageDetails | null = null;
  private _detailsError: string | null = null;
  private _detailsGeneration = 0;
  private _error: string | null = null;
  private _filter: CatalogFilter;
  private _generation = 0;
  private _initialization: Promise<void> | null = null;
  private _initialized = false;
  private _loadingDetails = false;
  private _loadingMore = false;
  private _packages: ReadonlyArray<IPackage> = [];
  private _query = '';
  private _refreshing = 0;
  private _repositories: ReadonlyArray<IRepository> = [];
  private _repositoriesError: string | null = null;
  private _repositoriesGeneration = 0;
  private _searchScheduled = false;
  private _searching = false;
  private _selected: string | null = null;
  private _serverInfo: IServerInfo | null = null;
  private _total = 0;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `CatalogModel` statics.
 */
export namespace CatalogModel {
  /**
   * The options to create a catalog model.
   */
  export interface IOptions {
    /**
     * The server settings; defaults to `ServerConnection.makeSettings()`.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The initial filter; defaults to `python`.
     */
    filter?: CatalogFilter;
    /**
     * How many packages one page holds; defaults to 50.
     */
    pageSize?: number;
    /**
     * How long typing must pause before a search starts, in milliseconds; defaults to 25.
     */
    searchDelay?: number;
    /**
     * The application language translator, for error messages.
     */
    translator?: ITranslator;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
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
  export function unique(packages: IPackage[]): IPackage[] {
    const seen = new Set<string>();
    return packages.filter(pkg => {
      if (seen.has(pkg.name)) {
        return false;
      }
      seen.add(pkg.name);
      return true;
    });
  }
}
