// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Watch one session's IOPub messages for failed imports, and ask the server
 * what to offer for them.
 */

import type { ISessionContext } from '@jupyterlab/apputils';
import type { KernelMessage } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';

import type { IModuleAnswer } from './api';
import { missingModule } from './error';

/**
 * Watches the `error` messages of a session's kernel.
 *
 * #### Notes
 * Every other message costs one comparison of its type: a cell that does not
 * fail with an import error causes no server call. The offer is shown only if
 * the cell that failed still holds that execution when the server answers.
 */
export class ImportErrorWatcher<T> implements IDisposable {
  constructor(options: ImportErrorWatcher.IOptions<T>) {
    this._options = options;
    options.sessionContext.iopubMessage.connect(this._onMessage, this);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._options.sessionContext.iopubMessage.disconnect(this._onMessage, this);
    this._abort.abort();
  }

  /**
   * The lookup started by the last failed import (for tests and benchmarks).
   */
  get pending(): Promise<void> {
    return this._pending;
  }

  private _onMessage(_: ISessionContext, msg: KernelMessage.IMessage): void {
    if (msg.header.msg_type !== 'error') {
      return;
    }
    const options = this._options;
    const { ename, evalue } = (msg as KernelMessage.IErrorMsg).content;
    const module = missingModule(ename, evalue);
    const kernel = options.sessionContext.session?.kernel;
    if (
      module === null ||
      !kernel ||
      !options.isEnabled() ||
      (options.language(kernel.name) ?? '').toLowerCase() !== 'python'
    ) {
      return;
    }
    const parent = (msg.parent_header as KernelMessage.IHeader).msg_id;
    const cell = parent ? options.findCell(parent) : null;
    if (cell === null) {
      return;
    }
    this._pending = options
      .lookup(module, kernel.name, this._abort.signal)
      .then(answer => {
        if (!this._isDisposed && options.findCell(parent) === cell) {
          options.show(cell, answer);
        }
      })
      .catch(reason => {
        // No offer is better than a broken one; the import error is still shown.
        if (!this._isDisposed) {
          console.warn(`jupyterlab-apk: no offer for ${module}`, reason);
        }
      });
  }

  private _options: ImportErrorWatcher.IOptions<T>;
  private _isDisposed = false;
  private _abort = new AbortController();
  private _pending: Promise<void> = Promise.resolve();
}

/**
 * The namespace for `ImportErrorWatcher` statics.
 */
export namespace ImportErrorWatcher {
  /**
   * The options of an `ImportErrorWatcher`.
   */
  export interface IOptions<T> {
    /**
     * The notebook's or console's session.
     */
    sessionContext: ISessionContext;
    /**
     * The cell whose current execution is the request `msgId`, if any.
     */
    findCell: (msgId: string) => T | null;
    /**
     * The language of a kernelspec, if known.
     */
    language: (kernelName: string) => string | null | undefined;
    /**
     * Whether the feature is on (the `offerInstall` setting).
     */
    isEnabled: () => boolean;
    /**
     * Ask the server (`GET modules/<name>`).
     */
    lookup: (
      module: string,
      kernelName: string,
      signal: AbortSignal
    ) => Promise<IModuleAnswer>;
    /**
     * Show the answer in the cell's output area.
     */
    show: (cell: T, answer: IModuleAnswer) => void;
  }
}
