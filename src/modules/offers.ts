// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The import offers of notebooks and consoles: each one watched for a cell
 * that failed with `ModuleNotFoundError`, the offer put under that cell.
 */

import { ISessionContext } from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { ConsolePanel } from '@jupyterlab/console';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ServiceManager } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';

import { JobsModel } from '../jobs/model';
import type { IModuleAnswer } from './api';
import type { ImportOfferModel } from './offer';
import { ImportErrorWatcher } from './watcher';

/**
 * The code cell among `cells` whose current execution is the request `msgId`.
 */
export function cellOfRequest(
  cells: Iterable<Cell>,
  msgId: string
): CodeCell | null {
  for (const cell of cells) {
    if (
      cell instanceof CodeCell &&
      cell.outputArea.future?.msg.header.msg_id === msgId
    ) {
      return cell;
    }
  }
  return null;
}

/**
 * Put `offer` at the end of `cell`'s output area, until the cell's source or
 * outputs change (an edit, a new run) or the cell goes away.
 */
export function attachOffer(cell: CodeCell, offer: Widget): void {
  const remove = () => offer.dispose();
  const onSource = (_: unknown, change: { sourceChange?: unknown }) => {
    if (change.sourceChange) {
      remove();
    }
  };
  const sharedModel = cell.model.sharedModel;
  const outputs = cell.model.outputs;
  sharedModel.changed.connect(onSource);
  outputs.changed.connect(remove);
  cell.disposed.connect(remove);
  offer.disposed.connect(() => {
    sharedModel.changed.disconnect(onSource);
    outputs.changed.disconnect(remove);
    cell.disposed.disconnect(remove);
  });
  (cell.outputArea.layout as PanelLayout).addWidget(offer);
}

/**
 * Watches notebooks and consoles, offering the prebuilt package of a missing module.
 */
export class ImportOffers {
  /**
   * Construct the offers of one JupyterLab.
   */
  constructor(options: ImportOffers.IOptions) {
    this._options = options;
  }

  /**
   * Watch a notebook: its offer runs the failed cell again in place.
   */
  watchNotebook(panel: NotebookPanel): void {
    const { dialogs, translator } = this._options;
    this._watch(
      panel,
      panel.sessionContext,
      () => panel.content.widgets,
      cell => () =>
        NotebookActions.runCells(
          panel.content,
          [cell],
          panel.sessionContext,
          dialogs,
          translator
        )
    );
  }

  /**
   * Watch a console: its offer runs the failed code again as a new cell.
   */
  watchConsole(panel: ConsolePanel): void {
    const codeConsole = panel.console;
    this._watch(
      panel,
      panel.sessionContext,
      function* () {
        yield* codeConsole.cells;
        if (codeConsole.promptCell) {
          yield codeConsole.promptCell;
        }
      },
      cell => {
        // A console's history is append-only (and a restart may clear it): the code runs
        // again as a new cell, read now, while the cell exists.
        const code = cell.model.sharedModel.getSource();
        return () => codeConsole.inject(code);
      }
    );
  }

  private _watch(
    widget: Widget,
    sessionContext: ISessionContext,
    cells: () => Iterable<Cell>,
    rerun: (cell: CodeCell) => () => Promise<unknown>
  ): void {
    const { jobs, trans, dialogs, serviceManager, isEnabled, confirm } =
      this._options;
    const watcher = new ImportErrorWatcher<CodeCell>({
      sessionContext,
      findCell: msgId => cellOfRequest(cells(), msgId),
      language: name =>
        serviceManager.kernelspecs.specs?.kernelspecs[name]?.language,
      isEnabled,
      lookup: (module, kernel, signal) =>
        // Loaded with the first import error: most sessions never have one.
        import('./api').then(({ lookupModule }) =>
          lookupModule(module, kernel, serviceManager.serverSettings, signal)
        ),
      show: (cell, answer) =>
        void Private.show(cell, answer, {
          jobs,
          trans,
          confirm,
          runAgain: rerun(cell),
          restartKernel: async () => {
            if (!(await dialogs.restart(sessionContext))) {
              return false;
            }
            // A cell sent before the new kernel answered its first request can be lost.
            await sessionContext.session?.kernel?.info;
            return true;
          }
        })
    });
    widget.disposed.connect(() => watcher.dispose());
  }

  private _options: ImportOffers.IOptions;
}

/**
 * The namespace for `ImportOffers` statics.
 */
export namespace ImportOffers {
  /**
   * The options to create the offers.
   */
  export interface IOptions {
    /**
     * The install queue the offers' installs go to.
     */
    jobs: JobsModel;
    /**
     * The kernelspecs (a kernel's language) and the server's settings.
     */
    serviceManager: ServiceManager.IManager;
    /**
     * The kernel restart dialog, and the translator of the cells run again.
     */
    dialogs: ISessionContext.IDialogs;
    translator: ITranslator;
    trans: TranslationBundle;
    /**
     * Whether the user wants offers now (a setting).
     */
    isEnabled: () => boolean;
    /**
     * Whether an install is confirmed with its plan first (a setting).
     */
    confirm: () => Promise<boolean>;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  export async function show(
    cell: CodeCell,
    answer: IModuleAnswer,
    options: Omit<ImportOfferModel.IOptions, 'answer'>
  ): Promise<void> {
    const { ImportOffer, ImportOfferModel } = await import('./offer');
    if (!ImportOfferModel.isShown(answer)) {
      return;
    }
    const model = new ImportOfferModel({
      ...options,
      answer,
      // Done with: the cell ran again (in a console, as a new cell below).
      runAgain: () => options.runAgain().finally(() => offer.dispose())
    });
    const offer = new ImportOffer(model, options.trans);
    offer.disposed.connect(() => model.dispose());
    attachOffer(cell, offer);
  }
}
