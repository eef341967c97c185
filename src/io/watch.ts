import { EventEmitter, on } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { FSWatcher } from 'chokidar'
import { applyOverrides, type BuildOptions, type BuildReport } from '../build.js'
import type { ResolvedConfig } from '../core/config.js'
import { isKabarError, type KabarError, KabarErrorList } from '../errors.js'
import { type BuildSession, createBuildSession, type PostChanges } from '../session.js'
import {
  type ChangeBatch,
  findChangedSince,
  isEmptyBatch,
  type PendingChange,
  reconcileChanges,
  type Signature,
} from './change-batch.js'
import { loadConfigIsolated } from './load-config-isolated.js'
import { isPostPath, watchConfigFile, watchContent } from './watch-files.js'

/** What `watch()` accepts: the options of `build()`, and the debounce window. */
export interface WatchOptions extends Omit<BuildOptions, 'dryRun' | 'fileSystem'> {
  /**
   * Quiet time after the last file event before a rebuild starts, in ms.
   * Default 50: long enough to gather an editor's save or a `git checkout`
   * into one rebuild, short enough not to be noticed.
   */
  debounceMs?: number
}

/** Why a rebuild ran. */
export type RebuildTrigger = 'start' | 'files' | 'config' | 'schedule'

/** One finished rebuild: its report (which may hold errors), what caused it and how long it took. */
export interface RebuiltEvent {
  trigger: RebuildTrigger
  report: BuildReport
  /** Absolute paths, sorted; all empty for the first build. The config file counts as changed. */
  added: string[]
  changed: string[]
  removed: string[]
  /** From the start of the rebuild to the last feed renamed into place, in ms. */
  durationMs: number
  /** From the first file event to the start of the rebuild, in ms: the debounce window, and any wait for the rebuild before. */
  waitedMs: number
}

export interface WatcherEvents {
  /** After every rebuild, whether it succeeded or reported errors. */
  rebuilt: [event: RebuiltEvent]
  /** A failure that is not a user's mistake: the file watcher failed, or a bug. */
  error: [error: Error]
  close: []
}

/** A rebuild never waits longer than this after the first event, however busy the folder. */
const MAX_WAIT_MS = 1000
/** An editor may truncate a file and write it a moment later; an empty post gets this long to fill. */
const EMPTY_POST_GRACE_MS = 500
/** chokidar's longest window for dropping a repeated event of one path, plus a margin. */
const CHOKIDAR_THROTTLE_MS = 120
/** setTimeout's largest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Builds the feeds, then rebuilds them whenever a post, an image in
 * `publicDir` or the config changes, until `close()`. Listen for `rebuilt`
 * (or iterate the watcher: `for await (const event of watcher)`) and for
 * `error`, which, as with every EventEmitter, throws when nobody listens.
 */
export function watch(options: WatchOptions = {}): Watcher {
  return new Watcher(options)
}

export class Watcher extends EventEmitter<WatcherEvents> {
  /** Resolves with the first build's event, once every folder is being watched. */
  readonly ready: Promise<RebuiltEvent>

  readonly #options: WatchOptions
  readonly #cwd: string
  readonly #debounceMs: number
  #config: ResolvedConfig | undefined
  #session: BuildSession | undefined
  #contentWatcher: FSWatcher | undefined
  #configWatcher: FSWatcher | undefined
  /** Paths with events since the last rebuild started. */
  readonly #pending = new Map<string, PendingChange>()
  #isConfigPending = false
  /** A folder came or went: chokidar may report its files late, so the next rebuild looks at every file. */
  #isFolderPending = false
  #isSchedulePending = false
  #firstEventAt = 0
  #lastEventAt = 0
  #timer: NodeJS.Timeout | undefined
  #scheduleTimer: NodeJS.Timeout | undefined
  readonly #recheckTimers = new Set<NodeJS.Timeout>()
  /** The start or rebuild in progress; at most one at a time. */
  #current: Promise<void> | undefined
  #closing: Promise<void> | undefined
  /** Aborted by `close()`, so a start still waiting for the file watchers gives up. */
  readonly #stop = new AbortController()

  constructor(options: WatchOptions) {
    super()
    this.#options = options
    this.#cwd = options.cwd ?? process.cwd()
    this.#debounceMs = options.debounceMs ?? 50
    let rejectReady: (error: Error) => void = () => undefined
    this.ready = new Promise((resolve, reject) => {
      this.once('rebuilt', resolve)
      rejectReady = reject
    })
    // Awaiting `ready` still throws; this only keeps an unread failure from crashing the process.
    this.ready.catch(() => undefined)
    this.#current = this.#run(() => this.#start(), rejectReady)
  }

  /** What is being watched, as absolute paths; empty before a config was loaded. */
  get watched(): { folders: string[]; configFile: string | undefined } {
    const config = this.#config
    if (config === undefined) return { folders: [], configFile: undefined }
    const folders = config.publicDir === undefined ? [config.postsDir] : [config.postsDir, config.publicDir]
    return { folders, configFile: config.configPath }
  }

  /** Stops watching. A rebuild in progress finishes first, so no feed is left half-written. */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown()
    return this.#closing
  }

  /**
   * The `rebuilt` events from the moment this is called (not from the first
   * `next()`, so nothing is lost in between) until `close()`; an `error`
   * event ends it by throwing.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<RebuiltEvent> {
    const events = on(this, 'rebuilt', { close: ['close'] })
    return {
      async next(): Promise<IteratorResult<RebuiltEvent>> {
        const result = await events.next()
        return result.done === true ? { done: true, value: undefined } : { done: false, value: result.value[0] }
      },
      async return(): Promise<IteratorResult<RebuiltEvent>> {
        await events.return?.()
        return { done: true, value: undefined }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }

  get #isClosed(): boolean {
    return this.#stop.signal.aborted
  }

  async #shutDown(): Promise<void> {
    this.#stop.abort()
    clearTimeout(this.#timer)
    clearTimeout(this.#scheduleTimer)
    for (const timer of this.#recheckTimers) clearTimeout(timer)
    await this.#current
    await Promise.all([this.#contentWatcher?.close(), this.#configWatcher?.close()])
    this.#session?.close()
    this.emit('close')
  }

  async #start(): Promise<void> {
    const started = performance.now()
    this.#configWatcher = await watchConfigFile(this.#cwd, this.#options.config, {
      onChange: () =>
        this.#noteEvent(() => {
          this.#isConfigPending = true
        }),
      onError: (error) => this.#fail(error),
      signal: this.#stop.signal,
    })
    if (this.#isClosed) return
    const config = await this.#loadConfig(started, 'start')
    if (config === undefined || this.#isClosed) return
    await this.#useConfig(config)
    if (this.#isClosed) return
    await this.#rebuild('start', { added: [], changed: [], removed: [] }, started)
  }

  /** Records an event with `record`, and (re)starts the debounce window. */
  #noteEvent(record: (now: number) => void): void {
    const now = performance.now()
    if (!this.#hasPending()) this.#firstEventAt = now
    record(now)
    this.#lastEventAt = now
    this.#armTimer()
  }

  #hasPending(): boolean {
    return this.#pending.size > 0 || this.#isConfigPending || this.#isFolderPending || this.#isSchedulePending
  }

  /** Fires once the folder has been quiet for the debounce window, or the longest wait is up. */
  #armTimer(): void {
    if (this.#isClosed || this.#current !== undefined) return
    clearTimeout(this.#timer)
    const fireAt = Math.min(this.#lastEventAt + this.#debounceMs, this.#firstEventAt + MAX_WAIT_MS)
    this.#timer = setTimeout(
      () => {
        this.#current = this.#run(() => this.#rebuildPending())
      },
      Math.max(0, fireAt - performance.now()),
    )
  }

  /**
   * Runs one step at a time; events that arrive meanwhile wait for the next.
   * A failure of the start rejects `ready`, and is an `error` event only for
   * those listening; later ones are `error` events, which throw unheard.
   */
  async #run(step: () => Promise<void>, rejectReady?: (error: Error) => void): Promise<void> {
    try {
      await step()
    } catch (error) {
      rejectReady?.(error as Error)
      if (rejectReady === undefined || this.listenerCount('error') > 0) this.#fail(error as Error)
    } finally {
      this.#current = undefined
      if (this.#hasPending()) this.#armTimer()
    }
  }

  async #rebuildPending(): Promise<void> {
    const firstEventAt = this.#firstEventAt
    const entries = [...this.#pending]
    const isConfigChange = this.#isConfigPending
    const isSchedule = this.#isSchedulePending
    const isFolderChange = this.#isFolderPending
    this.#pending.clear()
    this.#isConfigPending = false
    this.#isSchedulePending = false
    this.#isFolderPending = false
    const readAt = performance.now()
    const { batch, hasEmptyPost, signatures } = await reconcileChanges(entries, isPostPath)
    if (hasEmptyPost && performance.now() - firstEventAt < EMPTY_POST_GRACE_MS) {
      // Probably caught mid-save: look again after another quiet window.
      for (const [filePath, change] of entries) if (!this.#pending.has(filePath)) this.#pending.set(filePath, change)
      this.#isConfigPending ||= isConfigChange
      this.#isSchedulePending ||= isSchedule
      this.#isFolderPending ||= isFolderChange
      this.#firstEventAt = firstEventAt
      this.#lastEventAt = performance.now()
      return
    }
    this.#recheckLater(entries, signatures, readAt)
    const config = isConfigChange ? await this.#loadConfig(firstEventAt, 'config') : undefined
    if (config !== undefined) {
      await this.#useConfig(config)
      await this.#rebuild('config', withConfigFile(batch, config.configPath), firstEventAt, signatures)
    } else if (!isEmptyBatch(batch) || isFolderChange) {
      // With the last good config when the new one is broken: the session must still see these changes.
      await this.#rebuild('files', batch, firstEventAt, signatures, isFolderChange)
    } else if (isSchedule) {
      await this.#rebuild('schedule', batch, firstEventAt)
    }
  }

  /**
   * chokidar drops a second `change` event of one file within 50 ms of the
   * one before (and a second `unlink` within 100 ms), so a save landing in
   * that window would go unseen. Files whose last event was that recent
   * when they were read are looked at again once the window has passed.
   */
  #recheckLater(
    entries: ReadonlyArray<readonly [string, PendingChange]>,
    signatures: ReadonlyMap<string, Signature>,
    readAt: number,
  ): void {
    const recent = entries.filter(([, change]) => readAt - change.lastEventAt < CHOKIDAR_THROTTLE_MS)
    if (recent.length === 0) return
    const lastEventAt = Math.max(...recent.map(([, change]) => change.lastEventAt))
    const toCheck = new Map(recent.map(([filePath]) => [filePath, signatures.get(filePath)]))
    const timer = setTimeout(
      async () => {
        this.#recheckTimers.delete(timer)
        const changed = await findChangedSince(toCheck)
        if (changed.length === 0 || this.#isClosed) return
        this.#noteEvent((now) => {
          for (const filePath of changed) {
            const prior = toCheck.get(filePath) === undefined ? 'new' : 'existed'
            if (!this.#pending.has(filePath)) this.#pending.set(filePath, { prior, lastEventAt: now })
          }
        })
      },
      Math.max(0, lastEventAt + CHOKIDAR_THROTTLE_MS - performance.now()),
    )
    this.#recheckTimers.add(timer)
  }

  /** Loads the config; when it is broken, reports why and keeps the last good one. */
  async #loadConfig(firstEventAt: number, trigger: RebuildTrigger): Promise<ResolvedConfig | undefined> {
    const started = performance.now()
    try {
      return applyOverrides(await loadConfigIsolated(this.#cwd, this.#options.config), this.#options, this.#cwd)
    } catch (error) {
      const problems = error instanceof KabarErrorList ? error.errors : isKabarError(error) ? [error] : undefined
      if (problems === undefined) throw error
      const configPath = problems[0]?.file
      this.emit('rebuilt', {
        trigger,
        report: configFailedReport(problems, this.#config),
        added: [],
        changed: configPath === undefined ? [] : [configPath],
        removed: [],
        durationMs: performance.now() - started,
        waitedMs: started - firstEventAt,
      })
      return undefined
    }
  }

  /**
   * Starts using a new config: new folders to watch when they moved, and a
   * fresh session that uses this config and never reads the file itself, so
   * the last good config stays in force while the file is broken.
   */
  async #useConfig(config: ResolvedConfig): Promise<void> {
    const previous = this.#config
    const hasMoved =
      previous === undefined ||
      previous.postsDir !== config.postsDir ||
      previous.publicDir !== config.publicDir ||
      previous.outDir !== config.outDir
    if (hasMoved) {
      await this.#contentWatcher?.close()
      this.#contentWatcher = await watchContent(config, {
        onFile: (event, filePath) =>
          this.#noteEvent((now) => {
            const prior = this.#pending.get(filePath)?.prior ?? (event === 'add' ? 'new' : 'existed')
            this.#pending.set(filePath, { prior, lastEventAt: now })
          }),
        onFolder: () =>
          this.#noteEvent(() => {
            this.#isFolderPending = true
          }),
        onError: (error) => this.#fail(error),
        signal: this.#stop.signal,
      })
    }
    this.#config = config
    this.#session?.close()
    this.#session = createBuildSession({ ...this.#buildOptions(), resolvedConfig: config })
  }

  async #rebuild(
    trigger: RebuildTrigger,
    batch: ChangeBatch,
    firstEventAt: number,
    signatures: ReadonlyMap<string, Signature> = new Map(),
    isFullScan = false,
  ): Promise<void> {
    const session = this.#session
    if (session === undefined) return
    const started = performance.now()
    const report = await session.run(isFullScan ? undefined : postChanges(trigger, batch))
    const finished = performance.now()
    if (await this.#isSuperseded(report, signatures)) return
    this.#scheduleFutureRebuild(report)
    this.emit('rebuilt', {
      trigger,
      report,
      ...batch,
      durationMs: finished - started,
      waitedMs: started - firstEventAt,
    })
  }

  /**
   * Whether a failed rebuild's broken files all changed again while it ran:
   * it probably read a save half-done, and the rebuild that follows (queued
   * here, in case chokidar dropped the event) reports on what is there now.
   */
  async #isSuperseded(report: BuildReport, signatures: ReadonlyMap<string, Signature>): Promise<boolean> {
    if (report.ok) return false
    const files = new Set(report.errors.map((problem) => problem.file))
    const unseen: [string, Signature][] = []
    for (const file of files) {
      if (file === undefined) return false
      if (this.#pending.has(file)) continue
      if (!signatures.has(file)) return false
      unseen.push([file, signatures.get(file)])
    }
    const changed = await findChangedSince(new Map(unseen))
    if (changed.length < unseen.length) return false
    if (changed.length > 0) {
      this.#noteEvent((now) => {
        for (const file of changed) {
          const prior = signatures.get(file) === undefined ? 'new' : 'existed'
          if (!this.#pending.has(file)) this.#pending.set(file, { prior, lastEventAt: now })
        }
      })
    }
    return true
  }

  /** A post dated later today appears in the feeds when its time comes, without an edit. */
  #scheduleFutureRebuild(report: BuildReport): void {
    clearTimeout(this.#scheduleTimer)
    if (this.#options.now !== undefined || report.nextFutureDate === undefined || this.#isClosed) return
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(report.nextFutureDate) - Date.now()))
    this.#scheduleTimer = setTimeout(() => {
      this.#noteEvent(() => {
        this.#isSchedulePending = true
      })
    }, delay)
  }

  #buildOptions(): BuildOptions {
    const { debounceMs: _debounceMs, ...buildOptions } = this.#options
    return { ...buildOptions, cwd: this.#cwd }
  }

  #fail(error: Error): void {
    if (!this.#isClosed) this.emit('error', error)
  }
}

/**
 * The session re-reads only the posts it is told about. An image or a new
 * config is not a post, so then it looks at every file again (a stat each).
 */
function postChanges(trigger: RebuildTrigger, batch: ChangeBatch): PostChanges | undefined {
  const paths = [...batch.added, ...batch.changed, ...batch.removed]
  if (trigger !== 'files' || !paths.every(isPostPath)) return undefined
  return { changed: [...batch.added, ...batch.changed], removed: batch.removed }
}

function withConfigFile(batch: ChangeBatch, configPath: string): ChangeBatch {
  return { ...batch, changed: [...batch.changed, configPath].sort() }
}

/** A failed report for a config that did not load: nothing was built or written. */
function configFailedReport(problems: readonly KabarError[], lastGood: ResolvedConfig | undefined): BuildReport {
  return {
    ok: false,
    configFile: problems[0]?.file,
    postsDir: lastGood?.postsDir,
    outDir: lastGood?.outDir,
    posts: { found: 0, published: 0, shown: 0, drafts: 0, future: 0 },
    feeds: {},
    written: [],
    unchanged: [],
    warnings: [],
    errors: problems.map((problem) => ({
      severity: 'error',
      code: problem.code,
      message: problem.message,
      ...(problem.file !== undefined && { file: problem.file }),
      ...(problem.line !== undefined && { line: problem.line }),
      ...(problem.field !== undefined && { field: problem.field }),
    })),
    nextFutureDate: undefined,
  }
}
