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

import { CheckedPackages } from './checked';
import { PackagePages } from './pages';
import {
  CatalogFilter,
  CatalogSort,
  MAX_PAGE_SIZE,
  packageQuery,
  SEARCH_DELAY
} from './query';
import { PackageSelection } from './selected';
import { ServerState } from './server';

export { CATALOG_FILTERS, CATALOG_SORTS, isCatalogFilter } from './query';
export type { CatalogFilter, CatalogSort } from './query';

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
    const parts = {
      isDisposed: () => this.isDisposed,
      changed: () => this.stateChanged.emit(),
      trans: this._trans
    };
    this._pages = new PackagePages(parts);
    this._selection = new PackageSelection(parts);
    this._server = new ServerState(parts);
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
   * The order of the list.
   *
   * Setting it schedules a (debounced) search.
   */
  get sort(): CatalogSort {
    return this._sort;
  }
  set sort(value: CatalogSort) {
    if (value === this._sort) {
      return;
    }
    this._sort = value;
    this._scheduleSearch();
    this.stateChanged.emit();
  }

  /**
   * Whether `total` tells how many packages match the current query and
   * filter: false before the first answer, while a new search runs and after
   * it failed.
   */
  get isTotalKnown(): boolean {
    return this._initialized && !this.isLoading && this.error === null;
  }

  /**
   * The packages loaded so far for the current query, in server order.
   */
  get packages(): ReadonlyArray<IPackage> {
    return this._pages.packages;
  }

  /**
   * How many packages match the current query and filter, over all pages.
   */
  get total(): number {
    return this._pages.total;
  }

  /**
   * Whether more pages can be loaded with `loadMore()`.
   */
  get hasMore(): boolean {
    return this._pages.packages.length < this._pages.total;
  }

  /**
   * Whether a search is scheduled or running (the list may not match the query yet).
   */
  get isLoading(): boolean {
    return this._searchScheduled || this._pages.isSearching;
  }

  /**
   * Whether a further page is being loaded.
   */
  get isLoadingMore(): boolean {
    return this._pages.isLoadingMore;
  }

  /**
   * Why the last search or page load failed, or `null`.
   */
  get error(): string | null {
    return this._pages.error;
  }

  /**
   * The state of the configured repositories, as last fetched.
   */
  get repositories(): ReadonlyArray<IRepository> {
    return this._server.repositories;
  }

  /**
   * Why the repositories could not be fetched or refreshed, or `null`.
   */
  get repositoriesError(): string | null {
    return this._server.error;
  }

  /**
   * Whether the repositories are being fetched or re-read.
   */
  get isRefreshing(): boolean {
    return this._server.isRefreshing;
  }

  /**
   * The server's settings reply, or `null` until it has been fetched.
   */
  get serverInfo(): IServerInfo | null {
    return this._server.info;
  }

  /**
   * The name of the selected package, or `null`.
   */
  get selected(): string | null {
    return this._selection.selected;
  }

  /**
   * The selected package as listed, or `null` when it is not (or no longer) in the list.
   */
  get selectedPackage(): IPackage | null {
    const selected = this._selection.selected;
    if (selected === null) {
      return null;
    }
    return (
      this._selection.details ??
      this._pages.packages.find(pkg => pkg.name === selected) ??
      null
    );
  }

  /**
   * The selected package's details, or `null` while they load or when none is selected.
   */
  get details(): IPackageDetails | null {
    return this._selection.details;
  }

  /**
   * Why the selected package's details could not be fetched, or `null`.
   */
  get detailsError(): string | null {
    return this._selection.error;
  }

  /**
   * Whether the selected package's details are being fetched.
   */
  get isLoadingDetails(): boolean {
    return this._selection.isLoading;
  }

  /**
   * The names of the packages checked for a job on several packages, in the
   * order they were checked; they stay checked when the list changes.
   */
  get checked(): ReadonlyArray<string> {
    return this._checked.names;
  }

  /**
   * The checked packages as last listed (those checked by name only and never
   * listed since are left out), in the order they were checked.
   */
  get checkedPackages(): ReadonlyArray<IPackage> {
    return this._checked.packages(this._pages.packages);
  }

  /**
   * Check or uncheck a package for a job on several packages.
   *
   * @param pkg The package as listed, so that the bulk actions know whether
   * it is installed even once another search no longer lists it.
   */
  setChecked(name: string, checked: boolean, pkg?: IPackage): void {
    if (this._checked.set(name, checked, pkg)) {
      this.stateChanged.emit();
    }
  }

  /**
   * Uncheck every package.
   */
  clearChecked(): void {
    if (this._checked.clear()) {
      this.stateChanged.emit();
    }
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
    const generation = this._pages.generation;
    const detailsGeneration = this._selection.generation;
    const selected = this._selection.selected;
    const limit = Math.min(
      Math.max(this._pages.packages.length, this.pageSize),
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
    this._pages.reloaded(generation, page);
    this._selection.reloaded(detailsGeneration, details);
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
    if (this.isDisposed || !this.hasMore || this.isLoading) {
      return;
    }
    return this._pages.loadMore((offset, signal) =>
      this.fetchPackages({ ...this._queryParams(), offset }, signal)
    );
  }

  /**
   * Repeat what failed last: the search when nothing is listed, the next page otherwise.
   */
  retry(): Promise<void> {
    if (this._pages.packages.length === 0) {
      return this.search();
    }
    if (this._pages.error !== null) {
      // loadMore() leaves the error in place until the page arrives.
      return this.loadMore();
    }
    return Promise.resolve();
  }

  /**
   * Select a package and fetch its details, or clear the selection with `null`.
   */
  async select(name: string | null): Promise<void> {
    return this._selection.select(name, n => this.fetchPackage(n));
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
    await this._server.update(() => this.fetchRepositories());
  }

  /**
   * Make the server re-read every repository, then search again.
   *
   * @returns The repositories' state after re-reading.
   *
   * @throws The request's error, after recording it in `repositoriesError`.
   */
  async refreshCatalog(): Promise<ReadonlyArray<IRepository>> {
    const ok = await this._server.update(() => this.postRefresh());
    if (!ok) {
      throw new Error(this._server.error ?? '');
    }
    if (this._initialized) {
      await this.search();
    }
    return this._server.repositories;
  }

  /**
   * Fetch the server's version and mode into `serverInfo`.
   *
   * @throws The request's error; `serverInfo` is left unchanged.
   */
  async fetchServerInfo(): Promise<IServerInfo> {
    return this._server.fetchInfo(() => this.fetchServerSettings());
  }

  /**
   * Dispose of the model: pending requests are ignored and nothing is scheduled anymore.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._pages.dispose();
    this._selection.dispose();
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
    return packageQuery(this._query, this._filter, this._sort, this.pageSize);
  }

  /**
   * Schedule a debounced search after the query or filter changed.
   */
  private _scheduleSearch(): void {
    if (!this._initialized || this.isDisposed) {
      return;
    }
    // The list no longer matches the query: replies to older queries are stale now.
    this._pages.invalidate();
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
    this._searchScheduled = false;
    return this._pages.search(s => this.fetchPackages(this._queryParams(), s));
  }

  private _checked = new CheckedPackages();
  private _debouncer: Debouncer<void>;
  private _filter: CatalogFilter;
  private _sort: CatalogSort = 'relevance';
  private _initialization: Promise<void> | null = null;
  private _initialized = false;
  private _pages: PackagePages;
  private _query = '';
  private _server: ServerState;
  private _searchScheduled = false;
  private _selection: PackageSelection;
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
