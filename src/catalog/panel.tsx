// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog sidebar: React views of a `CatalogModel`.
 *
 * `CatalogPanel` is a `SidePanel` whose header holds the search box, the filter
 * and the count, and whose accordion holds one section per concern (packages,
 * repositories and, given a jobs model, jobs).
 */

import { ITranslator } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  refreshIcon,
  SidePanel,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { AccordionLayout, AccordionPanel } from '@lumino/widgets';

import { apkIcon } from '../icons';
import { JobsModel } from '../jobs/model';
import { JobsSection } from '../jobs/panel';
import { PACKAGES_SECTION_CLASS, PANEL_CLASS } from './classes';
import { CatalogHeader } from './header';
import { PackageList } from './list';
import { CatalogModel } from './model';
import { RepositoriesSection } from './repositories';

/**
 * The id of the sidebar panel (the UI tests and the layout restorer rely on it).
 */
export const PANEL_ID = 'jp-apk-panel';

/**
 * The catalog sidebar panel.
 */
export class CatalogPanel extends SidePanel {
  /**
   * Construct the panel.
   */
  constructor(options: CatalogPanel.IOptions) {
    const { model, translator } = options;
    super({ translator });
    this.model = model;
    this.id = PANEL_ID;
    this.addClass(PANEL_CLASS);
    const trans = translator.load('jupyterlab_apk');
    this.title.icon = apkIcon;
    this.title.caption = trans.__('Prebuilt Packages');
    this.node.setAttribute('aria-label', trans.__('Prebuilt Packages'));

    this._catalogHeader = new CatalogHeader({
      model,
      trans,
      onNavigate: () => this._list.focusList()
    });
    this.header.addWidget(this._catalogHeader);

    const packages = new PanelWithToolbar();
    packages.addClass(PACKAGES_SECTION_CLASS);
    packages.title.label = trans.__('Packages');
    packages.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        onClick: () => void model.search(),
        tooltip: trans.__('Search again')
      })
    );
    this._list = new PackageList({
      model,
      trans,
      onLeave: () => this._focusSearch(),
      jobs: options.jobs ?? null,
      onAction: options.onAction ?? null
    });
    packages.addWidget(this._list);
    this.addWidget(packages);

    this.repositoriesSection = new RepositoriesSection({ model, trans });
    this.addWidget(this.repositoriesSection);
    // The list gets the room; the repositories (collapsed while all are fine)
    // and the recent jobs get what they need.
    if (options.jobs) {
      this.jobsSection = new JobsSection({ model: options.jobs, trans });
      this.addWidget(this.jobsSection);
      this.sectionSizes = [7, 1, 2];
    } else {
      this.jobsSection = null;
      this.sectionSizes = [7, 1];
    }
    (this.content as AccordionPanel).handleMoved.connect(() => {
      this._sectionSizesChanged.emit(this.sectionSizes);
    });

    model.stateChanged.connect(this._onModelChanged, this);
    this._onModelChanged();
  }

  /**
   * The model rendered.
   */
  readonly model: CatalogModel;

  /**
   * The repositories section (other plugins add their status to it).
   */
  readonly repositoriesSection: RepositoriesSection;

  /**
   * The jobs section, when the panel was given a jobs model.
   */
  readonly jobsSection: JobsSection | null;

  /**
   * The sections' relative heights, packages first.
   */
  get sectionSizes(): number[] {
    return (this.content as AccordionPanel).relativeSizes();
  }
  set sectionSizes(sizes: number[]) {
    // Sizes remembered from a panel with other sections do not apply.
    if (
      sizes.length === this.widgets.length &&
      sizes.every(size => size >= 0)
    ) {
      (this.content.layout as AccordionLayout).setRelativeSizes(sizes);
    }
  }

  /**
   * A signal emitted with the new sizes when the user resizes the sections.
   */
  get sectionSizesChanged(): ISignal<this, number[]> {
    return this._sectionSizesChanged;
  }

  /**
   * Dispose of the panel and its sections.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._onModelChanged, this);
    super.dispose();
  }

  /**
   * Start fetching once the panel is attached visible (restored open).
   */
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._initialize();
    }
  }

  /**
   * Start fetching the first time the panel is shown.
   */
  protected onBeforeShow(msg: Message): void {
    super.onBeforeShow(msg);
    this._initialize();
  }

  /**
   * Put the focus in the search box when the panel is activated.
   */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this.isAttached) {
      this._focusSearch();
    }
  }

  private _initialize(): void {
    this.model.initialize().catch(reason => {
      console.error('Failed to load the apk package catalog', reason);
    });
  }

  private _focusSearch(): void {
    const input = this._catalogHeader.inputNode;
    if (input) {
      input.focus();
      input.select();
    }
  }

  /**
   * Open the repositories' section when one has a problem, so that a broken
   * repository is never hidden; while all are fine it starts collapsed, which
   * leaves the room to the list.
   */
  private _onModelChanged(): void {
    const hasProblem = this.repositoriesSection.hasProblem;
    const index = this.widgets.indexOf(this.repositoriesSection);
    const accordion = this.content as AccordionPanel;
    if (hasProblem && !this._hadProblem && index >= 0) {
      accordion.expand(index);
      // Room for the problem's explanation; sections other plugins added keep theirs.
      const own = this.jobsSection ? [6, 2.5, 1.5] : [6, 2.5];
      this.sectionSizes = [...own, ...this.sectionSizes.slice(own.length)];
    } else if (
      !hasProblem &&
      !this._collapsedOnce &&
      this.model.repositories.length > 0 &&
      index >= 0
    ) {
      this._collapsedOnce = true;
      accordion.collapse(index);
    }
    this._hadProblem = hasProblem;
  }

  private _collapsedOnce = false;
  private _hadProblem = false;
  private _sectionSizesChanged = new Signal<this, number[]>(this);
  private _catalogHeader: CatalogHeader;
  private _list: PackageList;
}

/**
 * The namespace for `CatalogPanel` statics.
 */
export namespace CatalogPanel {
  /**
   * The options to create a catalog panel.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: CatalogModel;
    /**
     * The application language translator.
     */
    translator: ITranslator;
    /**
     * The install queue: rows show their jobs and a jobs section lists them.
     */
    jobs?: JobsModel | null;
    /**
     * Called when the user asks for a job; without it, rows have no actions.
     */
    onAction?: PackageList.ActionHandler | null;
  }
}
