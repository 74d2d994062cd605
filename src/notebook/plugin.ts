// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The plugin offering, when a notebook opens, to install the system packages
 * its `%pip install` cells recorded and this system lacks.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { JobsModel } from '../jobs/model';
import { followSettings } from '../settings/follow';
import { IApkJobs } from '../tokens';
import { METADATA_KEY } from './metadata';
import type { NotebookPackagesNotice } from './notice';

/**
 * The plugin id, which is also its settings schema's (schema/notebook-packages.json).
 */
const PLUGIN_ID = 'jupyterlab-apk:notebook-packages';

/**
 * The notebook packages plugin.
 */
export const notebookPackagesPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Offers to install the system packages a notebook recorded (its %pip install cells installed them with apk) when they are missing.',
  autoStart: true,
  requires: [IApkJobs],
  optional: [INotebookTracker, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    jobs: JobsModel,
    notebooks: INotebookTracker | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    if (!notebooks) {
      return;
    }
    const trans = (translator ?? nullTranslator).load('jupyterlab_apk');
    let enabled = true;
    const settingsRead = followSettings(
      settingRegistry,
      PLUGIN_ID,
      settings => {
        enabled = settings.get('notebookPackagesNotice').composite !== false;
      }
    );
    const { serverSettings } = app.serviceManager;
    // Loaded with the first notebook that recorded packages: most never do.
    let notice: Promise<NotebookPackagesNotice> | null = null;
    const loadNotice = () =>
      (notice ??= import('./notice').then(
        ({ NotebookPackagesNotice }) =>
          new NotebookPackagesNotice({
            jobs,
            trans,
            isEnabled: () => enabled,
            lookup: name =>
              NotebookPackagesNotice.lookupPackage(name, serverSettings)
          })
      ));
    // Checked as soon as its content is loaded: before the user runs anything.
    const check = (panel: NotebookPanel) =>
      void Promise.all([panel.context.ready, settingsRead]).then(async () => {
        const model = panel.context.model;
        if (
          enabled &&
          !panel.isDisposed &&
          model.getMetadata(METADATA_KEY) !== undefined
        ) {
          await (await loadNotice()).check(panel.context.path, model);
        }
      });
    notebooks.forEach(check);
    notebooks.widgetAdded.connect((_, panel) => check(panel));
  }
};
