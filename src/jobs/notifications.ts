// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Job notifications: one JupyterLab notification per job, in progress while it
 * runs, then success or error with a "Show log" action; and, after a job that
 * changed packages already installed, a notice for the kernels that imported them.
 */

import { Notification } from '@jupyterlab/apputils';
import { ServiceManager } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyJSONValue } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import { getPackage } from '../api';
import { packagesLabel, showLogDialog } from './dialog';
import {
  changedPackages,
  IKernelUse,
  kernelsUsing,
  restartKernel
} from './kernels';
import { JobsModel } from './model';
import { jobOutcome, outcomeMessage } from './outcome';

/**
 * How long a success stays on screen, in milliseconds (errors stay until dismissed).
 */
const SUCCESS_AUTO_CLOSE = 5000;

/**
 * Keeps one notification per job in step with the jobs model.
 */
export class JobNotifier implements IDisposable {
  /**
   * Construct a notifier and start listening to the model.
   */
  constructor(options: JobNotifier.IOptions) {
    this.model = options.model;
    this._trans = options.trans;
    this._serviceManager = options.serviceManager ?? null;
    this.model.jobChanged.connect(this._onJobChanged, this);
  }

  /**
   * The jobs model followed.
   */
  readonly model: JobsModel;

  /**
   * Whether the notifier is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * The id of a job's notification, if it has one.
   */
  notificationId(jobId: string): string | undefined {
    return this._ids.get(jobId);
  }

  /**
   * A promise settled once the kernel check after the last finished job is done
   * (for tests).
   */
  get kernelCheck(): Promise<void> {
    return this._kernelCheck;
  }

  /**
   * Stop listening; notifications already shown stay.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.model.jobChanged.disconnect(this._onJobChanged, this);
  }

  private _onJobChanged(_: JobsModel, change: JobsModel.IChange): void {
    const { entry, type } = change;
    if (entry.job.preview) {
      return;
    }
    const id = this._ids.get(entry.id);
    if (type === 'ended') {
      if (id === undefined) {
        return;
      }
      this._ended(id, entry);
      if (entry.state === 'done') {
        this._kernelCheck = this._checkKernels(entry).catch(reason => {
          console.warn('Could not check the kernels after an apk job', reason);
        });
      }
      return;
    }
    if (entry.state !== 'queued' && entry.state !== 'running') {
      return;
    }
    const message = this._progressMessage(entry);
    const progress = entry.state === 'running' ? entry.progress : undefined;
    if (id === undefined) {
      this._ids.set(
        entry.id,
        Notification.emit(message, 'in-progress', {
          autoClose: false,
          progress,
          actions: [this._showLogAction(entry.id)]
        })
      );
      this._shown.set(entry.id, `${message}|${progress}`);
      return;
    }
    // Each log line is a change; the notification only needs new words or numbers.
    const key = `${message}|${progress}`;
    if (this._shown.get(entry.id) !== key) {
      this._shown.set(entry.id, key);
      Notification.update({
        id,
        message,
        type: 'in-progress',
        autoClose: false,
        progress,
        actions: [this._showLogAction(entry.id)]
      });
    }
  }

  /**
   * Show how a job ended, in a new notification in place of its progress one.
   *
   * Not `Notification.update`: JupyterLab drops an update that arrives before
   * the notification's toast is mounted (react-toastify's `isActive` is false
   * until then), so a job that ended within milliseconds (a real apk adds a
   * small package in less than 0.1 s) kept its "Installing…" toast forever.
   */
  private _ended(id: string, entry: JobsModel.IEntry): void {
    const trans = this._trans;
    const what = packagesLabel(entry.job.packages, trans);
    const showLog = this._showLogAction(entry.id);
    this._shown.delete(entry.id);
    const show = (
      type: Notification.TypeOptions,
      message: string,
      options: Notification.IOptions<ReadonlyJSONValue>
    ) => {
      Notification.dismiss(id);
      this._ids.set(entry.id, Notification.emit(message, type, options));
    };
    switch (entry.state) {
      case 'done': {
        // A job that did not do all it was asked is no plain success.
        const outcome = jobOutcome(entry.job, trans);
        const warn = outcome.warnings.length > 0;
        show(
          warn ? 'warning' : 'success',
          outcomeMessage(entry.job, outcome, trans),
          {
            autoClose: warn ? false : SUCCESS_AUTO_CLOSE,
            progress: 1,
            actions: [showLog]
          }
        );
        break;
      }
      case 'cancelled':
        show(
          'warning',
          trans.__(
            '%1 was cancelled. %2',
            Private.jobTitle(entry, what, trans),
            entry.job.error ?? ''
          ),
          { autoClose: false, actions: [showLog] }
        );
        break;
      case 'unknown':
        show(
          'error',
          trans.__(
            'Lost track of: %1. The server did not answer; the job may still be running.',
            Private.jobTitle(entry, what, trans)
          ),
          {
            autoClose: false,
            actions: [
              {
                label: trans.__('Check again'),
                caption: trans.__('Ask the server about this job again'),
                callback: () => this.model.reconnect(entry.id)
              },
              showLog
            ]
          }
        );
        break;
      default:
        // failed, timed-out
        show(
          'error',
          trans.__(
            '%1 failed: %2',
            Private.jobTitle(entry, what, trans),
            entry.job.error ?? trans.__('apk failed; see the log.')
          ),
          { autoClose: false, actions: [showLog] }
        );
        break;
    }
  }

  private _progressMessage(entry: JobsModel.IEntry): string {
    const trans = this._trans;
    const what = packagesLabel(entry.job.packages, trans);
    if (this.model.isWaiting(entry.id)) {
      return trans.__(
        'Waiting for other apk jobs: %1',
        Private.jobTitle(entry, what, trans)
      );
    }
    switch (entry.job.action) {
      case 'undo':
        return trans.__('Undoing the changes since the image (%1)…', what);
      case 'upgrade':
        return trans.__('Upgrading %1…', what);
      case 'remove':
        return trans.__('Removing %1…', what);
      default:
        return trans.__('Installing %1…', what);
    }
  }

  private _showLogAction(jobId: string): Notification.IAction {
    const trans = this._trans;
    return {
      label: trans.__('Show log'),
      caption: trans.__("Show apk's output"),
      callback: (event: MouseEvent) => {
        // Keep the notification: the user may want the log again.
        event.preventDefault();
        void showLogDialog(this.model, jobId, trans);
      }
    };
  }

  /**
   * After a job that changed packages already installed, say which running
   * Python kernels imported their modules and need a restart.
   */
  private async _checkKernels(entry: JobsModel.IEntry): Promise<void> {
    const manager = this._serviceManager;
    const names = changedPackages(entry.job);
    if (!manager || names.length === 0 || this._isDisposed) {
      return;
    }
    // Nothing to ask when no kernel runs (the common case): no package requests either.
    if (Array.from(manager.sessions.running()).every(s => !s.kernel)) {
      return;
    }
    const details = await Promise.all(
      names.map(name =>
        getPackage(name, this.model.serverSettings).catch(() => null)
      )
    );
    const modules = new Set<string>();
    for (const pkg of details) {
      for (const module of pkg?.modules ?? []) {
        modules.add(module);
      }
    }
    const uses = await kernelsUsing(manager, Array.from(modules));
    if (uses.length === 0 || this._isDisposed) {
      return;
    }
    this._restartNotice(manager, uses, names);
  }

  /**
   * The restart notice, with a "Restart kernel" action per kernel; each
   * restart takes its action away, the last one closes the notice.
   */
  private _restartNotice(
    manager: ServiceManager.IManager,
    uses: IKernelUse[],
    names: string[]
  ): void {
    const trans = this._trans;
    let left = uses;
    const actions = (): Notification.IAction[] =>
      left.map(use => ({
        label:
          uses.length === 1
            ? trans.__('Restart kernel')
            : trans.__('Restart %1', use.name),
        caption: trans.__('Restart the kernel of %1', use.path),
        callback: (event: MouseEvent) => {
          event.preventDefault();
          left = left.filter(item => item !== use);
          if (left.length === 0) {
            Notification.dismiss(id);
          } else {
            Notification.update({
              id,
              type: 'warning',
              message: Private.restartMessage(left, names, trans),
              autoClose: false,
              actions: actions()
            });
          }
          restartKernel(manager, use).catch(reason => {
            Notification.error(
              trans.__(
                'The kernel of %1 could not be restarted: %2',
                use.name,
                reason instanceof Error ? reason.message : String(reason)
              ),
              { autoClose: false }
            );
          });
        }
      }));
    const id = Notification.warning(
      Private.restartMessage(uses, names, trans),
      { autoClose: false, actions: actions() }
    );
  }

  private _ids = new Map<string, string>();
  private _isDisposed = false;
  private _kernelCheck: Promise<void> = Promise.resolve();
  private _serviceManager: ServiceManager.IManager | null;
  private _shown = new Map<string, string>();
  private _trans: TranslationBundle;
}

/**
 * The namespace for `JobNotifier` statics.
 */
export namespace JobNotifier {
  /**
   * The options to create a notifier.
   */
  export interface IOptions {
    /**
     * The jobs model to follow.
     */
    model: JobsModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * The application's service manager, to ask running kernels what they
     * imported; without it there is no restart notice.
     */
    serviceManager?: ServiceManager.IManager;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * "Installing py3-a" as a noun phrase for the end messages.
   */
  export function jobTitle(
    entry: JobsModel.IEntry,
    what: string,
    trans: TranslationBundle
  ): string {
    switch (entry.job.action) {
      case 'undo':
        return trans.__('Undoing the changes since the image (%1)', what);
      case 'upgrade':
        return trans.__('Upgrading %1', what);
      case 'remove':
        return trans.__('Removing %1', what);
      default:
        return trans.__('Installing %1', what);
    }
  }

  /**
   * The restart notice.
   */
  export function restartMessage(
    uses: IKernelUse[],
    packages: string[],
    trans: TranslationBundle
  ): string {
    const kernels = uses.map(use => use.name).join(', ');
    const modules = Array.from(
      new Set(([] as string[]).concat(...uses.map(use => use.modules ?? [])))
    ).sort();
    if (modules.length === 0) {
      // The kernel did not answer in time: it may have imported them.
      return trans._n(
        'Restart the kernel of %2 if it imported %3: apk has just changed them.',
        'Restart the kernels of %2 if they imported %3: apk has just changed them.',
        uses.length,
        kernels,
        packages.join(', ')
      );
    }
    return trans._n(
      'Restart the kernel of %2: it imported %3 before apk changed it.',
      'Restart the kernels of %2: they imported %3 before apk changed it.',
      uses.length,
      kernels,
      modules.join(', ')
    );
  }
}
