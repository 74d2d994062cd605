// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The pages of packages the catalog has loaded for its query, and the
 * requests for them: each search makes every older request stale, so a slow
 * reply to an old query can never overwrite the reply to a newer one.
 *
 * No DOM here; the requests are the catalog model's, passed in.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { describeRequestError, IPackage, IPackageList } from '../api';

import { appendPage, isPackageList, uniquePackages } from './query';

/**
 * The packages loaded for the current query.
 */
export class PackagePages {
  /**
   * Construct new pages.
   */
  constructor(options: PackagePages.IOptions) {
    this._isDisposed = options.isDisposed;
    this._changed = options.changed;
    this._trans = options.trans;
  }

  /**
   * The packages loaded so far, in server order.
   */
  get packages(): ReadonlyArray<IPackage> {
    return this._packages;
  }

  /**
   * How many packages match, over all pages.
   */
  get total(): number {
    return this._total;
  }

  /**
   * Why the last search or page load failed, or `null`.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * Whether a search is running.
   */
  get isSearching(): boolean {
    return this._searching;
  }

  /**
   * Whether a further page is being loaded.
   */
  get isLoadingMore(): boolean {
    return this._loadingMore;
  }

  /**
   * Changes with every search: a reload started under another generation is stale.
   */
  get generation(): number {
    return this._generation;
  }

  /**
   * Make every request in flight stale and abort it.
   */
  invalidate(): void {
    this._generation++;
    this._abort?.abort();
    this._abort = null;
    this._loadingMore = false;
  }

  /**
   * Fetch the first page, replacing the packages loaded.
   *
   * @param fetch Fetches the first page, aborted by `signal` once stale.
   */
  async search(
    fetch: (signal: AbortSignal) => Promise<IPackageList>
  ): Promise<void> {
    this.invalidate();
    const generation = this._generation;
    const abort = new AbortController();
    this._abort = abort;
    this._searching = true;
    this._changed();
    let page: IPackageList | null = null;
    let error: string | null = null;
    try {
      page = await fetch(abort.signal);
    } catch (reason) {
      error = describeRequestError(reason, this._trans, true);
    }
    if (generation !== this._generation || this._isDisposed()) {
      return;
    }
    this._packages = page ? uniquePackages(page.packages) : [];
    this._total = page ? Math.max(page.total, this._packages.length) : 0;
    this._error = error;
    this._searching = false;
    this._changed();
  }

  /**
   * Fetch the next page and append it, unless one is loading already; it is
   * dropped if a search started meanwhile.
   *
   * @param fetch Fetches the page at `offset`, aborted by `signal` when the
   * search it belongs to is.
   */
  async loadMore(
    fetch: (offset: number, signal?: AbortSignal) => Promise<IPackageList>
  ): Promise<void> {
    if (this._loadingMore) {
      return;
    }
    const generation = this._generation;
    const signal = this._abort?.signal;
    this._loadingMore = true;
    this._changed();
    let page: IPackageList;
    try {
      page = await fetch(this._packages.length, signal);
    } catch (reason) {
      if (generation !== this._generation || this._isDisposed()) {
        return;
      }
      this._error = describeRequestError(reason, this._trans, true);
      this._loadingMore = false;
      this._changed();
      return;
    }
    if (generation !== this._generation || this._isDisposed()) {
      return;
    }
    const next = appendPage(this._packages, page);
    this._packages = next.packages;
    this._total = next.total;
    this._error = null;
    this._loadingMore = false;
    this._changed();
  }

  /**
   * Take in the answer of a reload started at `generation` (a page, or the
   * error of its request), unless a search started since.
   */
  reloaded(generation: number, page: unknown): void {
    if (generation !== this._generation) {
      return;
    }
    if (isPackageList(page)) {
      this._packages = uniquePackages(page.packages);
      this._total = Math.max(page.total, this._packages.length);
      this._error = null;
    } else {
      this._error = describeRequestError(page, this._trans, true);
    }
  }

  /**
   * Make every request in flight stale for good.
   */
  dispose(): void {
    this._generation++;
    this._abort?.abort();
    this._abort = null;
  }

  private _abort: AbortController | null = null;
  private _changed: () => void;
  private _error: string | null = null;
  private _generation = 0;
  private _isDisposed: () => boolean;
  private _loadingMore = false;
  private _packages: ReadonlyArray<IPackage> = [];
  private _searching = false;
  private _total = 0;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `PackagePages` statics.
 */
export namespace PackagePages {
  /**
   * The options to create pages.
   */
  export interface IOptions {
    /**
     * Whether the owning model was disposed.
     */
    isDisposed: () => boolean;
    /**
     * Called whenever the state changed.
     */
    changed: () => void;
    /**
     * The translation bundle, for error messages.
     */
    trans: TranslationBundle;
  }
}
