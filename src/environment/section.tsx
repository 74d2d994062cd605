// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The sidebar's Environment section: what changed since the image, that
 * change exported as a Dockerfile, an apko file, world lines or requirements,
 * and undone as one job.
 */

import { Clipboard, Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, VDomRenderer } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import type { CatalogPanel } from '../catalog/panel';
import { runJob } from '../jobs/actions';
import { JobsModel } from '../jobs/model';
import {
  describeRequestError,
  ExportFormat,
  IExport,
  IServerInfo
} from '../api';
import { ToolbarSection } from '../ui/section';
import { EnvironmentModel } from './model';

/**
 * CSS classes. Tests (jest and Galata) select on these: keep them stable.
 */
const SECTION_CLASS = 'jp-ApkEnvironment-section';
const VIEW_CLASS = 'jp-ApkEnvironment';
const BASELINE_CLASS = 'jp-ApkEnvironment-baseline';
const GROUP_CLASS = 'jp-ApkEnvironment-group';
const EXPORT_CLASS = 'jp-ApkEnvironment-export';
const NOTE_CLASS = 'jp-ApkEnvironment-note';
const MESSAGE_CLASS = 'jp-ApkEnvironment-message';
const UNDO_CLASS = 'jp-ApkEnvironment-undo';

/**
 * The section: a toolbar with refresh, and the view of the model.
 */
export class EnvironmentSection extends ToolbarSection<EnvironmentModel> {
  constructor(options: EnvironmentSection.IOptions) {
    const { model, trans } = options;
    super({
      model,
      className: SECTION_CLASS,
      label: () => trans.__('Environment'),
      buttons: {
        refresh: {
          icon: refreshIcon,
          onClick: () => void model.refresh(),
          tooltip: trans.__('Compare with the image again')
        }
      },
      content: new EnvironmentView(options)
    });
  }
}

/**
 * The changes since the baseline and the export controls.
 */
export class EnvironmentView extends VDomRenderer<EnvironmentModel> {
  constructor(options: EnvironmentSection.IOptions) {
    super(options.model);
    this._jobs = options.jobs ?? null;
    this._trans = options.trans;
    this.addClass(VIEW_CLASS);
    // It scrolls: keyboard users reach it with Tab, screen readers by its name.
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'region');
    this.node.setAttribute(
      'aria-label',
      options.trans.__('Changes since the image')
    );
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.model.environment === null && !this.model.isLoading) {
      void this.model.refresh();
    }
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const env = model.environment;
    if (model.error !== null) {
      return (
        <div className={MESSAGE_CLASS} role="alert">
          {model.error}
        </div>
      );
    }
    if (env === null) {
      return (
        <div className={MESSAGE_CLASS} role="status">
          {trans.__('Comparing with the image…')}
        </div>
      );
    }
    const since =
      env.baseline.source === 'image'
        ? trans.__('Since the image (%1)', formatTime(env.baseline.created))
        : trans.__(
            'Since this server first started (%1): the image recorded no baseline',
            formatTime(env.baseline.created)
          );
    return (
      <>
        <div className={BASELINE_CLASS}>{since}</div>
        {!model.hasChanges && (
          <div className={MESSAGE_CLASS} role="status">
            {trans.__('Nothing was installed or removed since then.')}
          </div>
        )}
        <Group
          title={trans.__('Added (apk)')}
          items={env.added.map(p => versioned(p.name, p.version))}
        />
        <Group
          title={trans.__('Removed (apk)')}
          items={env.removed.map(p => versioned(p.name, p.version))}
        />
        <Group
          title={trans.__('Upgraded (apk)')}
          items={env.upgraded.map(p => `${p.name} ${p.from} → ${p.to}`)}
        />
        <Group
          title={trans.__('Added with pip')}
          items={env.pip.map(p =>
            p.previous
              ? `${p.name} ${p.previous} → ${p.version}`
              : `${p.name} ${p.version}`
          )}
        />
        {env.pip.length > 0 && (
          <div className={NOTE_CLASS}>
            {trans.__(
              'pip packages are listed and exported, but left to pip: undo does not remove them.'
            )}
          </div>
        )}
        {env.pip_error !== null && (
          <div className={NOTE_CLASS}>
            {trans.__('pip packages unknown: %1', env.pip_error)}
          </div>
        )}
        {this._jobs && model.hasChanges && (
          <div className={UNDO_CLASS}>
            <button
              className="jp-mod-styled jp-mod-warn"
              disabled={
                !model.canUndo || model.undoRefusal !== null || this._undoing
              }
              title={
                model.undoRefusal ??
                (model.canUndo
                  ? trans.__(
                      'Remove the apk packages added since the image and add back those removed, after showing the plan'
                    )
                  : trans.__(
                      'No apk package was added or removed since the image'
                    ))
              }
              onClick={() => void this._undo()}
            >
              {/* Short enough for a 250 px sidebar; the section says since when. */}
              {trans.__('Undo changes')}
            </button>
          </div>
        )}
        {model.hasChanges && (
          <ExportControls
            trans={trans}
            onDownload={format => void this._download(format)}
            onCopy={format => void this._copy(format)}
          />
        )}
      </>
    );
  }

  /**
   * Undo through the job queue, the plan shown first; the button stays
   * disabled until the job ends (the section is then compared again).
   */
  private async _undo(): Promise<void> {
    const jobs = this._jobs!;
    const trans = this._trans;
    this._undoing = true;
    this.update();
    try {
      const entry = await runJob({
        model: jobs,
        action: 'undo',
        packages: [],
        confirm: true,
        note: trans.__(
          'Upgraded packages keep their new versions, and pip packages are left to pip.'
        ),
        trans
      });
      if (entry) {
        // Rejects only when the jobs model goes away: nothing is left to wait for.
        await jobs.whenEnded(entry.id).catch(() => undefined);
      }
    } finally {
      this._undoing = false;
      this.update();
    }
  }

  private async _download(format: ExportFormat): Promise<void> {
    const file = await this._export(format);
    if (file) {
      // A link to the text, clicked: the browser saves it under the server's name
      // (as octet-stream, so that it adds no extension of its own to `Dockerfile`).
      const link = document.createElement('a');
      link.href = URL.createObjectURL(
        new Blob([file.text], { type: 'application/octet-stream' })
      );
      link.download = file.filename;
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      URL.revokeObjectURL(link.href);
    }
  }

  private async _copy(format: ExportFormat): Promise<void> {
    const file = await this._export(format);
    if (file) {
      Clipboard.copyToSystem(file.text);
      Notification.success(this._trans.__('Copied to the clipboard.'), {
        autoClose: 3000
      });
    }
  }

  private async _export(format: ExportFormat): Promise<IExport | null> {
    try {
      return await this.model.exportFile(format);
    } catch (reason) {
      Notification.error(
        this._trans.__(
          'Could not export: %1',
          describeRequestError(reason, this._trans)
        )
      );
      return null;
    }
  }

  private _jobs: JobsModel | null;
  private _undoing = false;
  private _trans: TranslationBundle;
}

/**
 * Why the server's policy refuses this user an undo, or `null`.
 */
export function undoRefusal(
  info: Pick<IServerInfo, 'allow_remove' | 'may_install'> | null,
  trans: TranslationBundle
): string | null {
  if (info?.may_install === false) {
    return trans.__('You may not install or remove packages on this server.');
  }
  if (info?.allow_remove === false) {
    return trans.__(
      'The administrator does not allow removing packages, so nothing can be undone here.'
    );
  }
  return null;
}

function versioned(name: string, version: string | null): string {
  return version ? `${name} ${version}` : name;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function Group(props: { title: string; items: string[] }): JSX.Element | null {
  if (props.items.length === 0) {
    return null;
  }
  return (
    <section className={GROUP_CLASS} aria-label={props.title}>
      <h3>{props.title}</h3>
      <ul>
        {props.items.map(item => (
          <li key={item} title={item}>
            {item}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ExportControls(props: {
  trans: TranslationBundle;
  onDownload: (format: ExportFormat) => void;
  onCopy: (format: ExportFormat) => void;
}): JSX.Element {
  const { trans } = props;
  const [format, setFormat] = React.useState<ExportFormat>('dockerfile');
  const labels: Record<ExportFormat, string> = {
    dockerfile: trans.__('Dockerfile'),
    apko: trans.__('apko file'),
    apk: trans.__('apk world lines'),
    requirements: trans.__('pip requirements')
  };
  return (
    <div className={EXPORT_CLASS}>
      <select
        aria-label={trans.__('Export format')}
        value={format}
        onChange={event => setFormat(event.target.value as ExportFormat)}
      >
        {(Object.keys(labels) as ExportFormat[]).map(key => (
          <option key={key} value={key}>
            {labels[key]}
          </option>
        ))}
      </select>
      <button
        className="jp-mod-styled jp-mod-accept"
        onClick={() => props.onDownload(format)}
      >
        {trans.__('Download')}
      </button>
      <button className="jp-mod-styled" onClick={() => props.onCopy(format)}>
        {trans.__('Copy')}
      </button>
    </div>
  );
}

/**
 * Add the section to the sidebar, compared again whenever a job ends.
 */
export function addEnvironmentSection(
  panel: CatalogPanel,
  jobs: JobsModel,
  serverSettings: ServerConnection.ISettings,
  translator: ITranslator,
  trans: TranslationBundle
): EnvironmentModel {
  const model = new EnvironmentModel({ serverSettings, translator });
  jobs.jobChanged.connect((_, change) => {
    if (change.type === 'ended' && model.environment !== null) {
      void model.refresh();
    }
  });
  // The policy arrives with the catalog's server settings.
  const followPolicy = () => {
    model.undoRefusal = undoRefusal(panel.model.serverInfo, trans);
  };
  panel.model.stateChanged.connect(followPolicy);
  followPolicy();
  panel.addWidget(new EnvironmentSection({ model, jobs, trans }));
  // A fifth of the height for this section, the others keeping their proportions.
  const sizes = panel.sectionSizes.slice(0, -1);
  panel.sectionSizes = [...sizes.map(size => size * 0.8), 0.2];
  return model;
}

export namespace EnvironmentSection {
  export interface IOptions {
    model: EnvironmentModel;
    /**
     * The install queue that runs the undo; without it, no undo is offered.
     */
    jobs?: JobsModel;
    trans: TranslationBundle;
  }
}
