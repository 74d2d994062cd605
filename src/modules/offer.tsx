// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The offer shown under a failed import: install the prebuilt package (and
 * run the cell again), or restart the kernel that started before it.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Button, VDomModel, VDomRenderer } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatBytes } from '../catalog/format';
import { runJob } from '../jobs/actions';
import { JobsModel } from '../jobs/model';
import { IModuleAnswer } from './api';

/**
 * The state of one offer and what its buttons do.
 */
export class ImportOfferModel extends VDomModel {
  constructor(options: ImportOfferModel.IOptions) {
    super();
    this.answer = options.answer;
    this._options = options;
  }

  /**
   * The server's answer the offer is about.
   */
  readonly answer: IModuleAnswer;

  /**
   * `ready` (buttons shown), `working`, `done` (installed, not run again) or `failed`.
   */
  get status(): ImportOfferModel.Status {
    return this._status;
  }

  /**
   * Why the last attempt failed, if it did.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * Install the package as a job of the install queue (plan, progress and
   * notification as for any install), then run the cell again if asked to.
   */
  async install(runAgain: boolean): Promise<void> {
    const { jobs, trans } = this._options;
    const name = this.answer.package;
    if (name === null) {
      return;
    }
    await this._attempt(async () => {
      const entry = await runJob({
        model: jobs,
        action: 'install',
        packages: [name],
        confirm: await this._options.confirm(),
        trans
      });
      if (entry === null) {
        return false; // declined, or could not start (notified)
      }
      const ended = await jobs.whenEnded(entry.id);
      if (ended.state !== 'done') {
        throw new Error(
          ended.job.error ?? ended.connectionError ?? ended.state
        );
      }
      return true;
    }, runAgain);
  }

  /**
   * Restart the kernel, then run the cell again if asked to.
   */
  async restart(runAgain: boolean): Promise<void> {
    await this._attempt(() => this._options.restartKernel(), runAgain);
  }

  /**
   * Run `step` unless an attempt is under way: `ready` again if the user
   * declined it (`false`), else `done` and the cell run again if asked to;
   * `failed` with the reason if it threw.
   */
  private async _attempt(
    step: () => Promise<boolean>,
    runAgain: boolean
  ): Promise<void> {
    if (this._status === 'working') {
      return;
    }
    this._set('working');
    try {
      if (!(await step())) {
        this._set('ready');
        return;
      }
      this._set('done');
      if (runAgain) {
        await this._options.runAgain();
      }
    } catch (reason) {
      this._set(
        'failed',
        reason instanceof Error ? reason.message : String(reason)
      );
    }
  }

  private _set(status: ImportOfferModel.Status, error: string | null = null) {
    this._status = status;
    this._error = error;
    this.stateChanged.emit(void 0);
  }

  private _options: ImportOfferModel.IOptions;
  private _status: ImportOfferModel.Status = 'ready';
  private _error: string | null = null;
}

/**
 * The namespace for `ImportOfferModel` statics.
 */
export namespace ImportOfferModel {
  export type Status = 'ready' | 'working' | 'done' | 'failed';

  /**
   * The options of an `ImportOfferModel`.
   */
  export interface IOptions {
    answer: IModuleAnswer;
    /**
     * The install queue.
     */
    jobs: JobsModel;
    /**
     * Whether to show the plan and ask before installing.
     */
    confirm: () => boolean | Promise<boolean>;
    /**
     * Run the cell again in the same kernel.
     */
    runAgain: () => Promise<unknown>;
    /**
     * Restart the kernel; resolves `false` when the user declined.
     */
    restartKernel: () => Promise<boolean>;
    trans: TranslationBundle;
  }

  /**
   * Whether an answer is worth showing: a package ships the module. A module
   * no package ships gets no offer (pip's own message stays the last word).
   */
  export function isShown(answer: IModuleAnswer): boolean {
    return answer.package !== null;
  }
}

/**
 * The offer's line and buttons, in the cell's output area.
 */
export class ImportOffer extends VDomRenderer<ImportOfferModel> {
  constructor(model: ImportOfferModel, trans: TranslationBundle) {
    super(model);
    this._trans = trans;
    this.addClass('jp-ApkImportOffer');
  }

  protected render(): React.ReactElement {
    const trans = this._trans;
    const model = this.model;
    const { answer, status } = model;
    const working = status === 'working';
    const what = `${answer.package} ${answer.version}`;
    let text: string;
    let buttons: [string, () => void][] = [];
    if (answer.action === 'install') {
      text =
        status === 'done'
          ? trans.__(
              '%1 is installed: run the cell again to import %2.',
              what,
              answer.module
            )
          : trans.__(
              'No module named %1: the prebuilt package %2 ships it (%3 download).',
              answer.module,
              what,
              formatBytes(answer.size ?? 0)
            );
      if (status !== 'done') {
        buttons = [
          [trans.__('Install'), () => void model.install(false)],
          [trans.__('Install and Run Again'), () => void model.install(true)]
        ];
      }
    } else if (answer.action === 'restart') {
      text = trans.__(
        '%1 is installed, but this kernel started before it was: restart the kernel to import %2.',
        what,
        answer.module
      );
      if (status !== 'done') {
        buttons = [
          [trans.__('Restart Kernel'), () => void model.restart(false)],
          [trans.__('Restart and Run Again'), () => void model.restart(true)]
        ];
      }
    } else {
      text = answer.reason;
    }
    return (
      <>
        <span className="jp-ApkImportOffer-text">{text}</span>
        {buttons.map(([label, onClick], index) => (
          <Button
            key={label}
            // The last button (… and Run Again) is the usual choice: styled as a dialog's accept.
            className={`jp-ApkImportOffer-button jp-mod-styled ${
              index === buttons.length - 1 ? 'jp-mod-accept' : 'jp-mod-reject'
            }`}
            small
            disabled={working}
            onClick={onClick}
          >
            {label}
          </Button>
        ))}
        {working && (
          <span className="jp-ApkImportOffer-status">
            {answer.action === 'restart'
              ? trans.__('Restarting the kernel…')
              : trans.__('Installing %1…', answer.package)}
          </span>
        )}
        {status === 'failed' && (
          <span className="jp-ApkImportOffer-error">
            {trans.__('Failed: %1', model.error)}
          </span>
        )}
      </>
    );
  }

  private _trans: TranslationBundle;
}
