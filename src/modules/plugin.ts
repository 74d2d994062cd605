// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The plugin offering the prebuilt package under a cell that failed with
 * `ModuleNotFoundError`, in notebooks and consoles.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ISessionContext,
  ISessionContextDialogs,
  SessionContextDialogs
} from '@jupyterlab/apputils';
import { Cell, CodeCell } from '@jupyterlab/cells';
import { ConsolePanel, IConsoleTracker } from '@jupyterlab/console';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';

import { JobsModel } from '../jobs/model';
import { IApkJobs } from '../tokens';
import { IModuleAnswer, lookupModule } from './api';
import { ImportOffer, ImportOfferModel } from './offer';
import { ImportErrorWatcher } from './watcher';

/**
 * The plugin id, which is also its settings schema's (schema/modules.json).
 */
const PLUGIN_ID = 'jupyterlab-apk:modules';

/**
 * The catalog plugin's settings, whose `confirmSingleInstall` applies here too.
 */
const CATALOG_SETTINGS_ID = 'jupyterlab-apk:catalog';

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
 * The import offer plugin.
 */
export const importOfferPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Offers the prebuilt apk package under a cell that failed with ModuleNotFoundError, in notebooks and consoles.',
  autoStart: true,
  requires: [IApkJobs],
  optional: [
    INotebookTracker,
    IConsoleTracker,
    ISettingRegistry,
    ISessionContextDialogs,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    jobs: JobsModel,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null,
    settingRegistry: ISettingRegistry | null,
    sessionDialogs: ISessionContext.IDialogs | null,
    translator: ITranslator | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const dialogs = sessionDialogs ?? new SessionContextDialogs({ translator });
    const { serviceManager } = app;
    let enabled = true;
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const read = () => {
            enabled = settings.get('offerInstall').composite !== false;
          };
          read();
          settings.changed.connect(read);
        })
        .catch(reason => {
          console.error(
            'jupyterlab-apk: cannot load the import settings',
            reason
          );
        });
    }
    const confirm = async () => {
      const value = await settingRegistry
        ?.get(CATALOG_SETTINGS_ID, 'confirmSingleInstall')
        .catch(() => null);
      return value?.composite !== false;
    };

    const watch = (
      widget: Widget,
      sessionContext: ISessionContext,
      cells: () => Iterable<Cell>,
      rerun: (cell: CodeCell) => () => Promise<unknown>
    ) => {
      const watcher = new ImportErrorWatcher<CodeCell>({
        sessionContext,
        findCell: msgId => cellOfRequest(cells(), msgId),
        language: name =>
          serviceManager.kernelspecs.specs?.kernelspecs[name]?.language,
        isEnabled: () => enabled,
        lookup: (module, kernel, signal) =>
          lookupModule(module, kernel, serviceManager.serverSettings, signal),
        show: (cell, answer) =>
          Private.show(cell, answer, {
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
    };

    const watchNotebook = (panel: NotebookPanel) =>
      watch(
        panel,
        panel.sessionContext,
        () => panel.content.widgets,
        cell => () =>
          NotebookActions.runCells(
            panel.content,
            [cell],
            panel.sessionContext,
            dialogs,
            translator ?? undefined
          )
      );
    const watchConsole = (panel: ConsolePanel) => {
      const codeConsole = panel.console;
      watch(
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
    };
    // Widgets restored before this plugin activated, then every new one.
    notebooks?.forEach(watchNotebook);
    notebooks?.widgetAdded.connect((_, panel) => watchNotebook(panel));
    consoles?.forEach(watchConsole);
    consoles?.widgetAdded.connect((_, panel) => watchConsole(panel));
  }
};

/**
 * Module-private helpers.
 */
namespace Private {
  export function show(
    cell: CodeCell,
    answer: IModuleAnswer,
    options: Omit<ImportOfferModel.IOptions, 'answer'>
  ): void {
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
