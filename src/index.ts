// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jupyterlab-apk plugins: wiring only, the logic lives in the modules they use.
 */

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IFormRendererRegistry } from '@jupyterlab/ui-components';

import {
  addCatalogCommands,
  addJobCommands,
  CommandIDs,
  jobActionHandler
} from './catalog/commands';
import { CatalogModel, isCatalogFilter } from './catalog/model';
import { CatalogPanel } from './catalog/panel';
import { JobsModel } from './jobs/model';
import { JobNotifier } from './jobs/notifications';
import { JobsStatus } from './jobs/statusbar';
import { addEnvironmentSection } from './environment/section';
import { importOfferPlugin } from './modules/plugin';
import { notebookPackagesPlugin } from './notebook/plugin';
import { consoleExecutorPlugin, notebookExecutorPlugin } from './pip/plugins';
import { setUpSettings } from './settings/plugin';
import { rememberClearedJobs, rememberSectionSizes } from './statedb';
import { IApkJobs } from './tokens';
import { checkServerVersion } from './version';

/**
 * The id of the catalog plugin, which is also its settings schema's id.
 */
const CATALOG_PLUGIN_ID = 'jupyterlab-apk:catalog';

/**
 * The left sidebar panel listing the packages of the configured apk repositories.
 */
const catalogPlugin: JupyterFrontEndPlugin<void> = {
  id: CATALOG_PLUGIN_ID,
  description:
    'A left sidebar panel listing the prebuilt packages of the configured Alpine apk repositories.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    IApkJobs,
    IFormRendererRegistry,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    jobs: IApkJobs | null,
    formRegistry: IFormRendererRegistry | null,
    state: IStateDB | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const { commands } = app;
    const serverSettings = app.serviceManager.serverSettings;
    const model = new CatalogModel({ serverSettings, translator });
    const onAction = jobs ? jobActionHandler(commands) : null;
    const panel = new CatalogPanel({ model, translator, jobs, onAction });
    if (jobs) {
      addEnvironmentSection(panel, jobs, serverSettings, translator, trans);
    }
    restorer?.add(panel, 'jupyterlab-apk-catalog');
    if (state) {
      rememberSectionSizes(panel, state);
    }
    app.shell.add(panel, 'left', { rank: 1050, type: 'Prebuilt Packages' });
    addCatalogCommands({ app, model, panelId: panel.id, palette, trans });
    let confirmSingleInstall = true;
    if (jobs) {
      addJobCommands({
        commands,
        jobs,
        model,
        confirmSingleInstall: () => confirmSingleInstall,
        trans
      });
    }
    // One request serves the version check and the repository policy.
    const serverInfo = model.fetchServerInfo();
    setUpSettings({
      serverSettings,
      registry: settingRegistry,
      formRegistry,
      commands,
      section: panel.repositoriesSection,
      pluginId: CATALOG_PLUGIN_ID,
      translator,
      serverInfo,
      onApplied: () => model.reloadAll(),
      onChange: settings => {
        const filter = settings.get('defaultFilter').composite;
        if (isCatalogFilter(filter)) {
          model.filter = filter;
        }
        confirmSingleInstall =
          settings.get('confirmSingleInstall').composite !== false;
      }
    });
    void checkServerVersion(serverInfo, trans);
  }
};

/**
 * The install queue: follows apk jobs, reports them in notifications and in
 * the status bar, and provides them to the sidebar.
 */
const jobsPlugin: JupyterFrontEndPlugin<IApkJobs> = {
  id: 'jupyterlab-apk:jobs',
  description:
    'The queue of apk jobs: progress in notifications and in the status bar, and a notice when a kernel needs a restart.',
  autoStart: true,
  provides: IApkJobs,
  optional: [IStatusBar, ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    state: IStateDB | null
  ): IApkJobs => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyterlab_apk');
    const jobs = new JobsModel({
      serverSettings: app.serviceManager.serverSettings,
      translator
    });
    new JobNotifier({
      model: jobs,
      trans,
      serviceManager: app.serviceManager
    });
    if (statusBar) {
      const item = new JobsStatus({
        model: jobs,
        trans,
        onClick: () => {
          if (app.commands.hasCommand(CommandIDs.openCatalog)) {
            void app.commands.execute(CommandIDs.openCatalog);
          }
        }
      });
      statusBar.registerStatusItem(jobsPlugin.id, {
        item,
        align: 'left',
        rank: 100,
        isActive: () => jobs.hasActive,
        activeStateChanged: jobs.stateChanged
      });
    }
    if (state) {
      rememberClearedJobs(jobs, state);
    }
    // Jobs started before a reload (or in another tab) are still the server's.
    void jobs.restore();
    return jobs;
  }
};

export default [
  jobsPlugin,
  catalogPlugin,
  notebookExecutorPlugin,
  consoleExecutorPlugin,
  importOfferPlugin,
  notebookPackagesPlugin
];
