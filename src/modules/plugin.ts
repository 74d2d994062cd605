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
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { JobsModel } from '../jobs/model';
import { followSettings } from '../settings/follow';
import { IApkJobs } from '../tokens';
import { ImportOffers } from './offers';

/**
 * The plugin id, which is also its settings schema's (schema/modules.json).
 */
const PLUGIN_ID = 'jupyterlab-apk:modules';

/**
 * The catalog plugin's settings, whose `confirmSingleInstall` applies here too.
 */
const CATALOG_SETTINGS_ID = 'jupyterlab-apk:catalog';

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
    let enabled = true;
    void followSettings(settingRegistry, PLUGIN_ID, settings => {
      enabled = settings.get('offerInstall').composite !== false;
    });
    const offers = new ImportOffers({
      jobs,
      serviceManager: app.serviceManager,
      dialogs: sessionDialogs ?? new SessionContextDialogs({ translator }),
      translator,
      trans: translator.load('jupyterlab_apk'),
      isEnabled: () => enabled,
      confirm: async () => {
        const value = await settingRegistry
          ?.get(CATALOG_SETTINGS_ID, 'confirmSingleInstall')
          .catch(() => null);
        return value?.composite !== false;
      }
    });
    // Widgets restored before this plugin activated, then every new one.
    notebooks?.forEach(panel => offers.watchNotebook(panel));
    notebooks?.widgetAdded.connect((_, panel) => offers.watchNotebook(panel));
    consoles?.forEach(panel => offers.watchConsole(panel));
    consoles?.widgetAdded.connect((_, panel) => offers.watchConsole(panel));
  }
};
