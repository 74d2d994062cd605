// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * What the catalog shows of the server: its settings reply, and the state of
 * its repositories (the last answer, why it failed, and whether a fetch is
 * under way).
 *
 * No DOM here; the requests are the catalog model's, passed in.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { describeRequestError, IRepository, IServerInfo } from '../api';

/**
 * The server's settings and repositories, as last fetched.
 */
export class ServerState {
  /**
   * Construct a new server state.
   */
  constructor(options: ServerState.IOptions) {
    this._isDisposed = options.isDisposed;
    this._changed = options.changed;
    this._trans = options.trans;
  }

  /**
   * The server's settings reply, or `null` until it has been fetched.
   */
  get info(): IServerInfo | null {
    return this._info;
  }

  /**
   * Fetch the server's settings with `fetch` into `info`.
   *
   * @throws The request's error; `info` is left unchanged.
   */
  async fetchInfo(fetch: () => Promise<IServerInfo>): Promise<IServerInfo> {
    const info = await fetch();
    if (!this._isDisposed()) {
      this._info = info;
      this._changed();
    }
    return info;
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
  get error(): string | null {
    return this._error;
  }

  /**
   * Whether the repositories are being fetched or re-read.
   */
  get isRefreshing(): boolean {
    return this._refreshing > 0;
  }

  /**
   * Replace the repositories with what `fetch` returns; the answer of a
   * fetch started later wins.
   *
   * @returns Whether the fetch succeeded.
   */
  async update(fetch: () => Promise<IRepository[]>): Promise<boolean> {
    if (this._isDisposed()) {
      return false;
    }
    const generation = ++this._generation;
    this._refreshing++;
    this._changed();
    let ok = true;
    try {
      const repositories = await fetch();
      if (generation === this._generation) {
        this._repositories = repositories;
        this._error = null;
      }
    } catch (reason) {
      ok = false;
      if (generation === this._generation) {
        this._error = describeRequestError(reason, this._trans, true);
      }
    }
    this._refreshing--;
    if (!this._isDisposed()) {
      this._changed();
    }
    return ok;
  }

  private _changed: () => void;
  private _error: string | null = null;
  private _generation = 0;
  private _info: IServerInfo | null = null;
  private _isDisposed: () => boolean;
  private _refreshing = 0;
  private _repositories: ReadonlyArray<IRepository> = [];
  private _trans: TranslationBundle;
}

/**
 * The namespace for `ServerState` statics.
 */
export namespace ServerState {
  /**
   * The options to create a server state.
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
