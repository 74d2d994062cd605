// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import type { ISessionContext } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { type ITranslator, nullTranslator } from '@jupyterlab/translation';

import {
  describeRequestError,
  type IDecision,
  type IJob,
  type IResolveReply
} from '../api';

import { SessionGate } from './gate';
import { type IParseResult, type IRequirementToken, parseCell } from './parse';
import { rewriteCell } from './rewrite';
import { withCode } from './session';

/**
 * Run silently in the kernel after apk installed packages for a cell.
 */
export const INVALIDATE_IMPORT_CACHES =
  'import importlib as _apk_importlib; _apk_importlib.invalidate_caches(); del _apk_importlib';

/**
 * How an install of the apk-routed requirements ended.
 */
export interface IInstallOutcome {
  /**
   * Whether apk installed them all.
   */
  ok: boolean;
  /**
   * Why not, for the cell's summary.
   */
  error?: string;
  /**
   * Seconds from the request to the end.
   */
  seconds: number;
  /**
   * The packages named that apk left as they were (already installed).
   */
  unchanged?: string[];
}

/**
 * What the executor needs from the server.
 */
export interface IPipRouter {
  /**
   * Decide apk or pip for each requirement (in order) for the kernel `kernel`;
   * with `install`, also queue one job installing the apk part.
   */
  resolve(
    requirements: string[],
    kernel: string,
    install: boolean,
    signal: AbortSignal
  ): Promise<IResolveReply>;
  /**
   * Wait for the end of an install job that `resolve` queued; cancel it on abort.
   */
  waitFor(job: IJob, signal: AbortSignal): Promise<IInstallOutcome>;
}

/**
 * The part of a cell the executor reads and marks.
 */
interface IRunnableCell {
  model: { type: string; sharedModel: { getSource(): string } };
  setPrompt?(value: string): void;
}

/**
 * What both the notebook's and the console's `runCell` take and we use.
 */
export interface IRunCellOptions {
  cell: IRunnableCell;
  sessionContext?: ISessionContext | null;
}

/**
 * Intercepts `%pip install` in cells: requirements that a prebuilt apk
 * satisfies are installed with apk through the server before the cell is
 * sent; pip gets the rest, and the cell prints which went where.
 *
 * #### Notes
 * A cell without a routable pip command goes straight to the core `runCell`,
 * synchronously and without any server call, unless an earlier cell of its
 * session is still held: then it waits for its turn (see `SessionGate`).
 * Whatever fails, the requirements go to pip: never worse than pip.
 */
export class PipCellExecutor {
  constructor(options: PipCellExecutor.IOptions) {
    this._router = options.router;
    this._isEnabled = options.isEnabled;
    const confirm = options.confirm;
    this._confirm = confirm ?? (async () => true);
    this._shouldConfirm = options.shouldConfirm ?? (() => !!confirm);
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_apk');
  }

  /**
   * Wrap a core `runCell` (notebook or console); `onInstalled` is told which
   * requirements of a cell apk installed, once its job ended well.
   */
  wrap<T extends IRunCellOptions>(
    runCell: (options: T) => Promise<boolean>,
    onInstalled?: PipCellExecutor.OnInstalled<T>
  ): (options: T) => Promise<boolean> {
    return (options: T) => {
      const { cell, sessionContext } = options;
      if (!sessionContext || cell.model.type !== 'code') {
        return runCell(options);
      }
      const routable = this._routable(cell);
      if (routable === null && !this._gate.isBusy(sessionContext)) {
        return runCell(options);
      }
      return this._runInTurn(
        runCell,
        options,
        sessionContext,
        routable,
        onInstalled
      );
    };
  }

  /**
   * Cancel the held cells of a session (the user interrupted its kernel):
   * their installs are cancelled and they are not run.
   */
  interrupt(sessionContext: ISessionContext): void {
    for (const controller of this._held.get(sessionContext) ?? []) {
      controller.abort();
    }
  }

  /**
   * A cell's source as parsed, or null when it has no routable requirement
   * (or interception is off). Cheap for cells without pip commands.
   */
  private _routable(cell: IRunnableCell): Private.IParsed | null {
    if (!this._isEnabled()) {
      return null;
    }
    const source = cell.model.sharedModel.getSource();
    const parsed = parseCell(source);
    return Private.routable(parsed).length ? { source, parsed } : null;
  }

  private async _runInTurn<T extends IRunCellOptions>(
    runCell: (options: T) => Promise<boolean>,
    options: T,
    sessionContext: ISessionContext,
    routable: Private.IParsed | null,
    onInstalled: PipCellExecutor.OnInstalled<T> | undefined
  ): Promise<boolean> {
    const turn = this._gate.turn(sessionContext);
    const controller = new AbortController();
    const held = this._held.get(sessionContext) ?? new Set();
    held.add(controller);
    this._held.set(sessionContext, held);
    options.cell.setPrompt?.('*');
    try {
      await turn.previous;
      if (routable === null) {
        return await Private.send(runCell(options), turn.release);
      }
      const code = await this._route(
        options,
        sessionContext,
        routable,
        controller.signal,
        onInstalled
      );
      if (code === null) {
        options.cell.setPrompt?.('');
        return false;
      }
      const view = withCode(sessionContext, code, turn.release);
      return await runCell({ ...options, sessionContext: view });
    } finally {
      held.delete(controller);
      turn.release();
    }
  }

  /**
   * Resolve, install and rewrite: the code to send, or null if the user
   * interrupted the kernel meanwhile.
   */
  private async _route<T extends IRunCellOptions>(
    options: T,
    sessionContext: ISessionContext,
    routable: Private.IParsed,
    signal: AbortSignal,
    onInstalled: PipCellExecutor.OnInstalled<T> | undefined
  ): Promise<string | null> {
    // Read again: the source may have changed while earlier cells were held.
    const source = options.cell.model.sharedModel.getSource();
    const parsed =
      source === routable.source ? routable.parsed : parseCell(source);
    const tokens = Private.routable(parsed);
    const kernel = sessionContext.session?.kernel;
    if (!kernel || !tokens.length) {
      return source;
    }
    const spec = await kernel.spec;
    if ((spec?.language ?? '').toLowerCase() !== 'python') {
      return source; // non-Python kernels are never touched
    }
    let outcome: Private.IOutcome;
    try {
      outcome = await this._install(tokens, kernel.name, signal);
    } catch (error) {
      if (signal.aborted) {
        return null;
      }
      const reason = describeRequestError(error, this._trans);
      return rewriteCell(source, parsed, () => false, [
        Private.forbidden(error)
          ? this._trans.__(
              'jupyterlab-apk: you may not install system packages on this server (%1); everything goes to pip.',
              reason
            )
          : this._trans.__(
              'jupyterlab-apk: %1; everything goes to pip.',
              reason
            )
      ]);
    }
    if (signal.aborted) {
      return null;
    }
    const { routed, summary } = this._summarize(tokens, outcome);
    if (routed.size) {
      onInstalled?.(
        options,
        outcome.decisions.filter(decision => decision.route === 'apk')
      );
      // New directories and modules appeared under the kernel's sys.path while it ran:
      // without this, Python's cached "no such path" keeps `import x` failing. Sent before
      // the cell on the same channel, so the kernel runs it first.
      kernel.requestExecute({
        code: INVALIDATE_IMPORT_CACHES,
        silent: true,
        store_history: false
      });
    }
    return rewriteCell(source, parsed, routed, summary);
  }

  /**
   * Resolve the requirements and install their apk part: one request, which
   * queues the job too, unless the user wants to be asked first.
   *
   * @throws When the server cannot resolve them (everything goes to pip).
   */
  private async _install(
    tokens: IRequirementToken[],
    kernel: string,
    signal: AbortSignal
  ): Promise<Private.IOutcome> {
    const requirements = tokens.map(token => token.text);
    const askFirst = this._shouldConfirm();
    let reply = await this._router.resolve(
      requirements,
      kernel,
      !askFirst,
      signal
    );
    const apk = reply.decisions.filter(decision => decision.route === 'apk');
    if (askFirst && apk.length && !signal.aborted) {
      if (!(await this._confirm(apk))) {
        const failure = this._trans.__('you declined the apk install');
        return { decisions: reply.decisions, failure, seconds: 0 };
      }
      reply = await this._router.resolve(requirements, kernel, true, signal);
    }
    const { decisions, job } = reply;
    if (!job) {
      // Only an apk part with nothing to install leaves no job to wait for.
      const queued = decisions.some(decision => decision.route === 'apk');
      const failure = queued ? this._trans.__('no install job queued') : null;
      return { decisions, failure, seconds: 0 };
    }
    try {
      // Cancels the job at once if the kernel was interrupted meanwhile.
      const ended = await this._router.waitFor(job, signal);
      const failure = ended.ok ? null : (ended.error ?? 'apk failed');
      const unchanged = ended.unchanged ?? [];
      return { decisions, failure, seconds: ended.seconds, unchanged };
    } catch (error) {
      const failure = describeRequestError(error, this._trans);
      return { decisions, failure, seconds: 0 };
    }
  }

  /**
   * The requirements taken out of the cell and the summary printed first.
   */
  private _summarize(
    tokens: IRequirementToken[],
    outcome: Private.IOutcome
  ): { routed: Set<IRequirementToken>; summary: string[] } {
    const { decisions, failure, seconds } = outcome;
    const unchanged = new Set(outcome.unchanged);
    const routed = new Set<IRequirementToken>();
    const summary = decisions.map((decision, index) => {
      if (decision.route === 'apk' && failure === null) {
        routed.add(tokens[index]);
        if (unchanged.has(decision.package!)) {
          return this._trans.__(
            '%1 → apk: %2 %3 (already installed)',
            decision.requirement,
            decision.package!,
            decision.version ?? ''
          );
        }
        return this._trans.__(
          '%1 → apk: %2 %3 (%4 s)',
          decision.requirement,
          decision.package!,
          decision.version ?? '',
          seconds.toFixed(1)
        );
      }
      if (decision.route === 'apk') {
        return this._trans.__(
          '%1 → pip: the apk install failed (%2)',
          decision.requirement,
          failure!
        );
      }
      return decision.reason;
    });
    return { routed, summary };
  }

  private _router: IPipRouter;
  private _isEnabled: () => boolean;
  private _confirm: (decisions: IDecision[]) => Promise<boolean>;
  private _shouldConfirm: () => boolean;
  private _trans: ReturnType<ITranslator['load']>;
  private _gate = new SessionGate();
  private _held = new WeakMap<ISessionContext, Set<AbortController>>();
}

/**
 * A namespace for `PipCellExecutor` statics.
 */
export namespace PipCellExecutor {
  /**
   * Told, with the options of the cell's run, the decisions of the
   * requirements apk installed for the cell.
   */
  export type OnInstalled<T extends IRunCellOptions> = (
    options: T,
    installed: IDecision[]
  ) => void;

  /**
   * Construction options.
   */
  export interface IOptions {
    /**
     * The server side.
     */
    router: IPipRouter;
    /**
     * Whether interception is on (the `interceptPip` setting), read per cell.
     */
    isEnabled: () => boolean;
    /**
     * Ask before installing with apk; resolves true to go ahead.
     */
    confirm?: (decisions: IDecision[]) => Promise<boolean>;
    /**
     * Whether to ask first (the `confirmPipInstall` setting), read per cell;
     * by default, whether `confirm` is given.
     */
    shouldConfirm?: () => boolean;
    /**
     * The application's translator.
     */
    translator?: ITranslator;
  }
}

namespace Private {
  /**
   * A cell's source and its parse.
   */
  export interface IParsed {
    source: string;
    parsed: IParseResult;
  }

  /**
   * The requirements of the routable commands, in source order.
   */
  export function routable(parsed: IParseResult): IRequirementToken[] {
    const tokens: IRequirementToken[] = [];
    for (const command of parsed.commands) {
      if (command.routable) {
        tokens.push(...command.requirements);
      }
    }
    return tokens;
  }

  /**
   * Call `release` once `runCell` has sent the cell (its synchronous part),
   * and wait for the result.
   */
  export async function send(
    result: Promise<boolean>,
    release: () => void
  ): Promise<boolean> {
    release();
    return result;
  }

  /**
   * How the apk part of a cell's requirements went.
   */
  export interface IOutcome {
    /**
     * The server's decisions, one per requirement.
     */
    decisions: IDecision[];
    /**
     * Why the apk part goes to pip after all, or `null` when it was installed.
     */
    failure: string | null;
    /**
     * Seconds the install took.
     */
    seconds: number;
    /**
     * The packages apk left as they were (already installed).
     */
    unchanged?: string[];
  }

  /**
   * Whether the server refused the request to this user (HTTP 403).
   */
  export function forbidden(error: unknown): boolean {
    return (
      error instanceof ServerConnection.ResponseError &&
      error.response.status === 403
    );
  }
}
