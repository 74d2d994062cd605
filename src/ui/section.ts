// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * A section of the sidebar: a toolbar of buttons above one widget, under a
 * title that follows a model's state.
 */

import {
  PanelWithToolbar,
  ToolbarButton,
  ToolbarButtonComponent,
  VDomModel
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

/**
 * A sidebar section over a model.
 */
export class ToolbarSection<T extends VDomModel> extends PanelWithToolbar {
  /**
   * Construct the section.
   */
  constructor(options: ToolbarSection.IOptions<T>) {
    super();
    this.model = options.model;
    this._label = options.label;
    this.addClass(options.className);
    for (const [name, button] of Object.entries(options.buttons)) {
      this.toolbar.addItem(name, new ToolbarButton(button));
    }
    this.addWidget(options.content);
    this.model.stateChanged.connect(this._updateTitle, this);
    this._updateTitle();
  }

  /**
   * The model the section shows.
   */
  readonly model: T;

  /**
   * Dispose of the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.stateChanged.disconnect(this._updateTitle, this);
    super.dispose();
  }

  private _updateTitle(): void {
    this.title.label = this._label(this.model);
  }

  private _label: (model: T) => string;
}

/**
 * The namespace for `ToolbarSection` statics.
 */
export namespace ToolbarSection {
  /**
   * The options to create a section.
   */
  export interface IOptions<T> {
    /**
     * The model the section shows; its state changes update the title.
     */
    model: T;
    /**
     * The section's CSS class.
     */
    className: string;
    /**
     * The title for the model's current state.
     */
    label: (model: T) => string;
    /**
     * The toolbar's buttons by item name, in toolbar order.
     */
    buttons: Record<string, ToolbarButtonComponent.IProps>;
    /**
     * The widget below the toolbar.
     */
    content: Widget;
  }
}
