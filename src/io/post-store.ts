import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import path from 'node:path'
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type { Author, ResolvedConfig } from '../core/config.js'
import { type NormalizeResult, normalizePost } from '../core/normalize.js'
import {
  releaseBodies,
  type Selection,
  type SelectionMemo,
  type SelectOptions,
  selectNormalized,
} from '../core/pipeline.js'
import type { Post, SourceFile } from '../core/post.js'
import type { RenderResult } from '../core/render.js'
import type { Renderings } from '../core/render-outputs.js'
import type { KabarError } from '../errors.js'
import { errorCode } from './file-system.js'
import { guessShownPosts } from './likely-shown.js'
import { cacheFolderFor, PostCache } from './post-cache.js'
import { type FileStamp, readPostHead } from './read-head.js'
import { isPostFileName, listPostPaths } from './read-posts.js'
import { POOL_THRESHOLD, type RenderPool, renderMany, startRenderPool } from './render-pool.js'
import {
  hasRenderedFields,
  MemoryRenderStore,
  type RenderedFields,
  type RenderStore,
  renderedFieldsOf,
  renderKeyOf,
} from './render-store.js'
import {
  fromTransferredScan,
  type ReadOutcome,
  type ScannedFile,
  type ScanSettings,
  scanFile,
  type TransferredScan,
  withoutBody,
} from './scan-file.js'
import { SCAN_CHUNK_SIZE, type ScanWorker, startScanWorker } from './scan-worker-client.js'

/**
 * What a build knows about each post file between runs: when it was read,
 * what its bytes hashed to, its normalized frontmatter, and which rendering
 * its body last had. A session keeps these in memory; the post cache keeps
 * them on disk between processes.
 */
export interface PostRecord {
  /** Size and modification time when last read; `undefined` when the file could not be opened. */
  stamp: FileStamp | undefined
  /**
   * Whether the file was modified so shortly before it was read that a write
   * in the same instant would have kept its stamp: such a stamp is not
   * trusted, and the file is read again (its hash tells whether it changed).
   */
  isRacy: boolean
  /** Why the file is not a post (unreadable, too large, not UTF-8), if so. */
  problem: KabarError | undefined
  /** Hash of the bytes last read: the head, or the whole file when `wholeHash` is the same. */
  hash: string
  /** Hash of the whole file, when it was read whole (its head alone tells nothing of the body). */
  wholeHash: string | undefined
  normalized: NormalizedEntry | undefined
  /** The rendering of the post's body, by key, as last built. */
  rendered: RenderedEntry | undefined
}

export interface NormalizedEntry {
  configHash: string
  /** Whether the result came from the whole file, body included, or from its head. */
  isWhole: boolean
  /** The build's clock when normalized, in ms. */
  now: number
  /** `post.body` is empty: bodies are read again when a feed shows the post. */
  result: NormalizeResult
  /**
   * The digest of the feed item this post makes with a rendering (see
   * `itemDigestOf`), once a build made one. It goes with this result: a post
   * normalized again has none until it is made again.
   */
  itemDigest?: { renderingKey: string; digest: string } | undefined
}

export interface RenderedEntry {
  /** Key of the rendering in the render store. */
  key: string
  /** Valid while the file, the config and the post's fields are the same. */
  wholeHash: string
  configHash: string
  /** What renderPost read of the post besides its body and file. */
  fields: RenderedFields
}

/** What a build needs from the posts: the selection, the reading problems, and each shown post's HTML. */
export interface LoadedPosts {
  /** The config the posts were read with: the build's, with the preset applied. */
  config: ResolvedConfig
  selection: Selection
  /** Problems listing and reading post files (POST_UNREADABLE, POST_TOO_LARGE, POST_NOT_UTF8). */
  readProblems: KabarError[]
  /** Post files found, unreadable ones included. */
  found: number
  /**
   * The rendering of each post `neededPosts` returned, for `renderOutputs`;
   * `undefined`: render them there. A stored rendering is read only when
   * asked for, and one found damaged then throws {@link RenderingLostError}.
   */
  renderings: Renderings | undefined
  /**
   * A hash of the config and every post's path, size and time: equal for two
   * builds of the same posts. `undefined` when a post's normalizing depends on
   * more than its file (a date from git history).
   */
  fingerprint: string | undefined
}

/** What a build asks of its posts. */
export interface PostLoadOptions extends SelectOptions {
  /** Settles the config once the posts are known (a preset recognized from their frontmatter). */
  configure?: (sources: readonly SourceFile[]) => Promise<ResolvedConfig>
  /** Adds a date from elsewhere (git) to sources whose frontmatter and name give none. */
  addFallbackDates?: (sources: readonly SourceFile[], config: ResolvedConfig) => Promise<SourceFile[]>
  /** The posts some output shows, of the publishable ones: those whose body is read and rendered. */
  neededPosts: (published: readonly Post[], config: ResolvedConfig) => readonly Post[]
  /**
   * Asked, when no file was read, whether the build with this fingerprint
   * can stand as it was; when it says yes, nothing is selected or rendered
   * and `load` returns `undefined`.
   */
  isUnchanged?: ((fingerprint: string) => boolean) | undefined
  /** Progress of reading and rendering, for a progress bar. */
  onProgress?: ((progress: LoadProgress) => void) | undefined
  /**
   * Read every stored rendering a shown post uses now, and render again any
   * that is damaged, instead of reading them when a file asks: for a build
   * run again after {@link RenderingLostError}.
   */
  verifyRenderings?: boolean | undefined
}

/**
 * A stored rendering turned out damaged when a file that shows its post was
 * serialized: the build must run again with `verifyRenderings` (the store
 * has forgotten the rendering, so that run renders the post).
 */
export class RenderingLostError extends Error {
  constructor(readonly file: string) {
    super(`the stored rendering of ${file} is damaged`)
  }
}

/** Where a build gets its posts from; `undefined`: `isUnchanged` said the last build stands. */
export interface PostLoader {
  load(config: ResolvedConfig, options: PostLoadOptions): Promise<LoadedPosts | undefined>
}

export interface LoadOptions extends PostLoadOptions {
  /** Paths a watcher saw change: only these are looked at again. Without it every file is stat'ed. */
  changes?: { changed?: readonly string[]; removed?: readonly string[] } | undefined
}

export interface LoadProgress {
  phase: 'read' | 'render'
  done: number
  total: number
}

/** Counts of what a load did, for tests and the benchmark. */
export interface LoadCounts {
  listed: number
  /** Files read: a head or the whole file. */
  read: number
  readWhole: number
  /** Posts normalized rather than remembered. */
  normalized: number
  /** Posts rendered rather than remembered. */
  rendered: number
  /** Of those, the ones rendered early: while the cache was opened, or while the posts were read (see `run.early`). */
  renderedEarly: number
  /** Stored renderings taken for a file being serialized (read then, not before). */
  renderingsTaken: number
}

/** Files handled between two yields to the event loop, so a server stays responsive during a build. */
const YIELD_EVERY = 500
/**
 * Files to read that make a worker thread share the work: starting one costs
 * about as much as reading and normalizing a thousand posts.
 */
const PARALLEL_SCAN_FROM = 2000
/**
 * Files read, newest first, from which a parallel scan guesses the posts
 * shown and has its worker render them (see likely-shown.ts): enough for a
 * feed of 20, and early enough that the rendering is done well before the
 * reading. A cold build of 10,000 posts, interleaved runs: 1.36 s guessing
 * after 256 files, 1.40 s after 512.
 */
const GUESS_AFTER = 256
/** Chunks between two yields to the event loop in a parallel scan. */
const SCAN_YIELD_EVERY_CHUNKS = 8
/** Heads offered to `configure`, for recognizing a generator from the first posts' frontmatter. */
const SAMPLE_SIZE = 256

/**
 * The incremental engine's memory: one record per post file. `load` brings
 * the records up to date with the files (reading only what changed),
 * selects the posts, reads whole only the posts an output shows, and renders
 * only those whose rendering is not already known.
 */
export class PostStore implements PostLoader {
  readonly records = new Map<string, PostRecord>()
  lastLoad: LoadCounts = emptyCounts()
  #paths: string[] | undefined
  /** `#paths` as a set. */
  #pathSet = new Set<string>()
  /** What the last selection found: a rebuild that changed no post's file, id, URL or date starts from it. */
  readonly #selectionMemo: SelectionMemo = {}
  /** The pieces of the last fingerprint of the records (see fingerprintOf). */
  readonly #fingerprintPieces: FingerprintPiece[] = []
  #listProblems: KabarError[] = []
  #postsDir: string | undefined
  readonly #useCache: boolean
  #cache: PostCache | undefined
  #renders: RenderStore = new MemoryRenderStore()
  /** The heads `#sample` read last, by path (`undefined`: not a post), for the posts folder and size limit of `key`. */
  #sampled: { key: string; heads: Map<string, SourceFile | undefined> } | undefined
  /**
   * Paths whose records changed (or went) since the cache was last written:
   * whether to write it at all, and all a small save writes.
   */
  #touched = new Set<string>()
  /** Keys of the renderings the last load used: all a memory-only store keeps. */
  #usedKeys = new Set<string>()

  readonly #parallelScan: ParallelScanOptions

  /** `cache`: keep the records and renderings in `.cache/kabar/` beside the config, between processes. */
  constructor(options: { cache?: boolean; parallelScan?: ParallelScanOptions } = {}) {
    this.#useCache = options.cache ?? true
    this.#parallelScan = options.parallelScan ?? {}
  }

  async load(baseConfig: ResolvedConfig, options: LoadOptions): Promise<LoadedPosts | undefined> {
    this.lastLoad = emptyCounts()
    const paths = await this.#listPaths(baseConfig.postsDir, options.changes)
    const config =
      options.configure === undefined
        ? baseConfig
        : await options.configure(this.#sample(paths, baseConfig, options.changes))
    const configHash = hashConfig(config)
    // One stat per file, unless a watcher said what changed: it tells what to read, and whether
    // anything did. A file nothing is known of is read anyway (its stamp comes with it), so a first
    // build with no memo to compare against stats nothing.
    let stamps: Map<string, FileStamp | undefined> | undefined
    let prestarted: RenderPool | undefined
    if (options.isUnchanged !== undefined && options.changes === undefined) {
      // Before the cache is even opened: a build that stands needs none of it.
      stamps = await statAll(paths)
      const fingerprint = fingerprintOf(configHash, this.#listProblems, paths, (filePath) => stamps?.get(filePath))
      if (fingerprint !== undefined && options.isUnchanged(fingerprint)) return undefined
      // Something changed since the last build: most likely a post it showed, to render again.
      // A worker loads the Markdown libraries meanwhile. On this thread, after the posts are
      // read, loading them and rendering one post on a cold compiler took 0.2 s: as long as
      // opening the cache and reading what changed, which this thread does in the meantime.
      prestarted = startRenderPool({ workers: 1, maxWorkers: 1, warmUp: false })
    }
    const run: Run = { config, configHash, now: options.now.getTime(), options, early: new Map(), prestarted }
    if (stamps !== undefined && prestarted !== undefined) this.#renderEditedEarly(paths, stamps, run, prestarted)
    this.#openCache(baseConfig, paths)
    try {
      return await this.#update(paths, run, stamps)
    } finally {
      await prestarted?.close()
    }
  }

  /**
   * Renders the posts edited since the cache was last saved on the worker
   * started early, while this thread opens the cache and reads what changed.
   * After one edit of a 10,000-post site, opening the cache takes longer
   * than rendering the edited post, and the build otherwise waited for that
   * rendering only after it (a tenth of a build with archive pages). Which
   * files were edited is a guess from their times, checked when the
   * renderings are needed: one is taken only for a post with its very key.
   */
  #renderEditedEarly(
    paths: readonly string[],
    stamps: ReadonlyMap<string, FileStamp | undefined>,
    run: Run,
    pool: RenderPool,
  ): void {
    if (!this.#useCache || this.#cache !== undefined) return
    const savedAt = PostCache.savedAt(cacheFolderFor(run.config.configPath))
    if (savedAt === undefined) return
    const edited = paths.filter((filePath) => (stamps.get(filePath)?.mtimeMs ?? 0) > savedAt)
    if (edited.length === 0 || edited.length > EARLY_RENDERS_AT_MOST) return
    const settings: ScanSettings = { config: run.config, now: run.options.now, mayNeedDates: false }
    for (const filePath of edited) {
      const post = scanFile(filePath, 'whole', settings).result?.post
      if (post === undefined || post.isDraft) continue
      const result = pool.render([post]).then(
        ([rendered]) => rendered,
        () => undefined,
      )
      run.early.set(filePath, { key: renderKeyOf(post), result })
    }
  }

  /** Brings the records up to date, selects, reads whole and renders what the outputs show. */
  async #update(
    paths: readonly string[],
    run: Run,
    stamps: ReadonlyMap<string, FileStamp | undefined> | undefined,
  ): Promise<LoadedPosts> {
    const { config, configHash, options } = run
    const scan = await this.#scan(paths, run, stamps)
    const { results, withBody } = scan
    // Select; then every post an output shows must have been read whole: reading one whole
    // can change it (a bad byte in its body), so select again until nothing more is read.
    let selection: Selection
    let needed: readonly Post[]
    for (;;) {
      selection = selectNormalized(resultsInOrder(paths, results), config, options, this.#selectionMemo)
      needed = options.neededPosts(selection.published, config)
      const toRead = needed.filter((post) => !withBody.has(post.file) && this.#needsBody(post, run))
      if (toRead.length === 0) break
      for (const post of toRead) {
        withBody.add(post.file)
        this.#apply(post.file, scanFile(post.file, 'whole', scan.settings), run, scan)
      }
      await this.#normalizeNeedingDates(run, scan)
    }
    const renderings = await this.#render(needed, withBody, results, run)
    // Rendered, the bodies are let go, by the selection and by the memo the next selection starts from.
    const withoutBody = bodyRemover(scan.bodiless)
    releaseBodies(this.#selectionMemo, withoutBody)
    return {
      config,
      selection: withoutBodies(selection, withoutBody),
      fingerprint: fingerprintOf(
        configHash,
        this.#listProblems,
        paths,
        (filePath) => {
          const record = this.records.get(filePath)
          return record?.problem === undefined && record?.normalized !== undefined && !record.isRacy
            ? record.stamp
            : undefined
        },
        this.#fingerprintPieces,
      ),
      ...this.#readProblems(paths),
      renderings,
    }
  }

  /**
   * Writes what this store knows to the post cache (when it has one), or
   * lets go of renderings the last load did not use. Never throws.
   */
  save(): void {
    if (this.#cache !== undefined) {
      if (this.#touched.size > 0) this.#cache.save(this.records, this.#touched)
    } else if (this.#renders instanceof MemoryRenderStore) {
      this.#renders.keepOnly(this.#usedKeys)
    }
    this.#touched.clear()
  }

  /** On the first load: takes up the records of the listed posts and the renderings the last build left. */
  #openCache(config: ResolvedConfig, paths: readonly string[]): void {
    if (!this.#useCache || this.#cache !== undefined) return
    this.#cache = PostCache.open(cacheFolderFor(config.configPath))
    for (const filePath of paths) {
      const record = this.#cache.records.get(filePath)
      if (record !== undefined && !this.records.has(filePath)) this.records.set(filePath, record)
    }
    this.#renders = this.#cache
  }

  /** The post files: listed afresh, or the last list updated with a watcher's changes. */
  async #listPaths(postsDir: string, changes: LoadOptions['changes']): Promise<string[]> {
    let isListChanged = true
    if (changes === undefined || this.#paths === undefined || this.#postsDir !== postsDir) {
      const listed = await listPostPaths(postsDir)
      this.#paths = listed.paths
      this.#pathSet = new Set(listed.paths)
      this.#listProblems = listed.problems
      this.#postsDir = postsDir
    } else {
      // Most changes a watcher reports are edits of listed posts, which leave the list as it is: then
      // it is neither copied nor sorted again, nor are the records checked against it.
      const paths = this.#pathSet
      isListChanged = false
      for (const removed of changes.removed ?? []) isListChanged = paths.delete(removed) || isListChanged
      for (const changed of changes.changed ?? []) {
        const isPost = isPostPath(postsDir, changed) && statOf(changed) !== undefined
        if (isPost && !paths.has(changed)) {
          paths.add(changed)
          isListChanged = true
        } else if (!isPost) {
          isListChanged = paths.delete(changed) || isListChanged
        }
      }
      if (isListChanged) this.#paths = [...paths].sort()
    }
    if (isListChanged) {
      for (const filePath of this.records.keys()) {
        if (this.#pathSet.has(filePath)) continue
        this.records.delete(filePath)
        this.#touched.add(filePath)
      }
    }
    this.lastLoad.listed = this.#paths.length
    return this.#paths
  }

  /**
   * Brings each record up to date and normalizes each post, one file at a
   * time so that no more than one text is held: a file whose size and time
   * are unchanged (or, with `changes`, that no watcher named) is not read,
   * and its remembered result stands while the config is the same; any
   * other is read again, and its content hash decides whether it changed.
   * Many files to read are shared with a worker thread (`#scanInParallel`).
   */
  async #scan(
    paths: readonly string[],
    run: Run,
    stamps: ReadonlyMap<string, FileStamp | undefined> | undefined,
  ): Promise<ScanState> {
    const { config, options } = run
    const scan: ScanState = {
      results: new Map(),
      bodiless: new Map(),
      withBody: new Set(),
      needingDates: [],
      share: valueSharer(),
      settings: {
        config,
        now: options.now,
        mayNeedDates: options.addFallbackDates !== undefined && config.dateFallback.length > 0,
      },
    }
    const named = options.changes === undefined ? undefined : new Set(options.changes.changed ?? [])
    const toRead: [filePath: string, extent: 'head' | 'whole'][] = []
    for (const [index, filePath] of paths.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop()
      const known = this.records.get(filePath)
      const isFresh =
        known !== undefined &&
        ((named !== undefined && !named.has(filePath)) ||
          (known.stamp !== undefined &&
            known.problem === undefined &&
            !known.isRacy &&
            isSameStamp(known.stamp, stamps === undefined ? statOf(filePath) : stamps.get(filePath))))
      if (isFresh) {
        if (known.problem !== undefined) continue
        const remembered = rememberedResult(known, run)
        if (remembered !== undefined) {
          scan.results.set(filePath, remembered)
          continue
        }
      }
      toRead.push([filePath, known?.normalized?.isWhole ? 'whole' : 'head'])
    }
    const isParallel = toRead.length >= (this.#parallelScan.fromFiles ?? PARALLEL_SCAN_FROM)
    // Newest first, most likely (see likely-shown.ts); a worker already rendering has the head start.
    const mayGuess = isParallel && run.prestarted === undefined
    if (mayGuess) toRead.reverse()
    const worker = isParallel ? startScanWorker(toRead, scan.settings) : undefined
    if (worker === undefined) {
      for (const [index, [filePath, extent]] of toRead.entries()) {
        if (index % YIELD_EVERY === YIELD_EVERY - 1) {
          options.onProgress?.({ phase: 'read', done: index, total: toRead.length })
          await yieldToEventLoop()
        }
        this.#apply(filePath, scanFile(filePath, extent, scan.settings), run, scan)
      }
    } else {
      await this.#scanInParallel(toRead, worker, run, scan, mayGuess)
    }
    await this.#normalizeNeedingDates(run, scan)
    return scan
  }

  /**
   * Reads and normalizes `files` on this thread and a worker at once, each
   * taking chunks from a shared counter. Normalizing frontmatter is most of
   * a cold build of many posts, and the second core is otherwise idle. Any
   * chunk the worker did not hand back (it failed to start, or threw) is
   * done here, so the outcome is the same as scanning on one thread.
   * With `mayGuess`, once a few hundred files are read, the worker renders
   * the posts the outputs will likely show, then reads on.
   */
  async #scanInParallel(
    files: readonly [filePath: string, extent: 'head' | 'whole'][],
    worker: ScanWorker,
    run: Run,
    scan: ScanState,
    mayGuess: boolean,
  ): Promise<void> {
    const done = new Set<number>()
    let hasGuessed = !mayGuess
    const chunkCount = Math.ceil(files.length / SCAN_CHUNK_SIZE)
    const applyChunk = (
      chunk: number,
      scanned: (file: readonly [string, 'head' | 'whole'], index: number) => ScannedFile,
    ) => {
      const start = chunk * SCAN_CHUNK_SIZE
      for (const [index, file] of files.slice(start, start + SCAN_CHUNK_SIZE).entries()) {
        this.#apply(file[0], scanned(file, index), run, scan)
      }
      done.add(chunk)
      run.options.onProgress?.({ phase: 'read', done: done.size * SCAN_CHUNK_SIZE, total: files.length })
    }
    worker.onChunk((chunk, scans) =>
      applyChunk(chunk, ([filePath], index) => fromTransferredScan(scans[index] as TransferredScan, filePath)),
    )
    for (let taken = 0; this.#parallelScan.isWorkerOnly !== true; taken++) {
      const chunk = worker.takeChunk()
      if (chunk >= chunkCount) break
      applyChunk(chunk, ([filePath, extent]) => scanFile(filePath, extent, scan.settings))
      if (!hasGuessed && done.size * SCAN_CHUNK_SIZE >= (this.#parallelScan.guessAfter ?? GUESS_AFTER)) {
        hasGuessed = true
        const scanned = [...done]
          .sort((a, b) => a - b)
          .flatMap((index) => files.slice(index * SCAN_CHUNK_SIZE, (index + 1) * SCAN_CHUNK_SIZE))
          .map(([filePath]) => filePath)
        this.#renderLikelyShown(scanned, run, scan, worker)
      }
      // Lets the worker's chunks in as they come, and a server answer requests.
      if (taken % SCAN_YIELD_EVERY_CHUNKS === SCAN_YIELD_EVERY_CHUNKS - 1) await yieldToEventLoop()
    }
    await worker.finished
    for (let chunk = 0; chunk < chunkCount; chunk++) {
      if (!done.has(chunk)) applyChunk(chunk, ([filePath, extent]) => scanFile(filePath, extent, scan.settings))
    }
  }

  /**
   * Has the scanning worker render the posts the outputs likely show,
   * guessed from the files `scanned` so far, into `run.early`: a wrong guess
   * costs its renderings, and a rendering is used only for a post with the
   * same key at the end.
   */
  #renderLikelyShown(scanned: readonly string[], run: Run, scan: ScanState, worker: ScanWorker): void {
    const guess = guessShownPosts(scanned, scan.results, run.config, run.options)
    if (guess === undefined) return
    const posts: Post[] = []
    for (const { file } of guess) {
      const post = scanFile(file, 'whole', scan.settings).result?.post
      if (post !== undefined && !this.#isStored(renderKeyOf(post), run)) posts.push(post)
    }
    if (posts.length === 0) return
    // A failed rendering is left for the rendering at the end, which reports it.
    const rendered = worker.render(posts)
    for (const [index, post] of posts.entries()) {
      run.early.set(post.file, { key: renderKeyOf(post), result: rendered.then((results) => results[index]) })
    }
  }

  /** Takes a scanned file into its record and the run's results. */
  #apply(filePath: string, scanned: ScannedFile, run: Run, scan: ScanState): void {
    const { read } = scanned
    this.lastLoad.read++
    const record = updatedRecord(this.records.get(filePath), read)
    this.records.set(filePath, record)
    this.#touched.add(filePath)
    if (read.kind === 'problem') {
      // Read whole, a post shown until now can turn out unreadable (a bad byte in its body).
      scan.results.delete(filePath)
      return
    }
    if (read.isWhole) this.lastLoad.readWhole++
    if (read.hasBody) scan.withBody.add(filePath)
    if (scanned.needsDate !== undefined) scan.needingDates.push(scanned.needsDate)
    else if (scanned.result !== undefined) this.#remember(record, scanned.result, run, scan, filePath)
  }

  /**
   * The first posts' heads, for recognizing which generator wrote them. In
   * a session a watcher tells what changed: the other heads are the ones
   * read last time (reading 256 heads was a sixth of a watch rebuild).
   */
  #sample(paths: readonly string[], config: ResolvedConfig, changes: LoadOptions['changes']): SourceFile[] {
    const memoKey = `${config.postsDir}\0${config.maxPostSize}`
    const changed = new Set([...(changes?.changed ?? []), ...(changes?.removed ?? [])])
    const reusable = changes !== undefined && this.#sampled?.key === memoKey ? this.#sampled.heads : undefined
    const heads = new Map<string, SourceFile | undefined>()
    for (const filePath of paths.slice(0, SAMPLE_SIZE)) {
      if (reusable?.has(filePath) === true && !changed.has(filePath)) {
        heads.set(filePath, reusable.get(filePath))
        continue
      }
      const read = readPostHead(filePath, config.postsDir, config.maxPostSize)
      heads.set(filePath, read.kind === 'source' ? read.source : undefined)
    }
    this.#sampled = { key: memoKey, heads }
    return [...heads.values()].filter((source) => source !== undefined)
  }

  /** Normalizes the sources whose date must come from git, looked up for all of them at once. */
  async #normalizeNeedingDates(run: Run, scan: ScanState): Promise<void> {
    const sources = scan.needingDates.splice(0)
    if (sources.length === 0) return
    const dated =
      run.options.addFallbackDates === undefined ? sources : await run.options.addFallbackDates(sources, run.config)
    for (const [index, source] of sources.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop()
      this.#normalizeOne(source, dated[index] ?? source, run, scan)
    }
  }

  #normalizeOne(source: SourceFile, datedSource: SourceFile, run: Run, scan: ScanState): void {
    const record = this.records.get(source.path) as PostRecord
    const result = normalizePost(datedSource, { config: run.config, now: run.options.now })
    // A date found in git history is looked up again on every run: it is not in the file.
    if (datedSource === source) this.#remember(record, result, run, scan, source.path)
    else {
      this.lastLoad.normalized++
      scan.results.set(source.path, result)
      record.normalized = undefined
      this.#touched.add(source.path)
    }
  }

  #remember(record: PostRecord, result: NormalizeResult, run: Run, scan: ScanState, filePath: string): void {
    this.lastLoad.normalized++
    if (result.post !== undefined) scan.share(result.post)
    scan.results.set(filePath, result)
    this.#touched.add(filePath)
    const remembered = withoutBody(result)
    if (remembered.post !== result.post && result.post !== undefined && remembered.post !== undefined) {
      scan.bodiless.set(result.post, remembered.post)
    }
    record.normalized = {
      configHash: run.configHash,
      isWhole: record.wholeHash !== undefined && record.wholeHash === record.hash,
      now: run.now,
      result: remembered,
    }
  }

  /**
   * Whether a post an output shows, not read whole in this run, must be: its
   * normalized form came from its head, or its rendering is not known.
   */
  #needsBody(post: Post, run: Run): boolean {
    const record = this.records.get(post.file)
    if (record === undefined || record.normalized?.isWhole !== true) return true
    const rendered = record.rendered
    return (
      rendered === undefined ||
      rendered.wholeHash !== record.wholeHash ||
      rendered.configHash !== run.configHash ||
      !hasRenderedFields(post, rendered.fields) ||
      !this.#isStored(rendered.key, run)
    )
  }

  /**
   * Whether a rendering is stored under `key`: looked up, not read (reading
   * every shown post's HTML was most of a build after one edit). With
   * `verifyRenderings`, read now: one that turns out damaged is not stored.
   */
  #isStored(key: string, run: Run): boolean {
    return run.options.verifyRenderings === true ? this.#renders.get(key) !== undefined : this.#renders.has(key)
  }

  /**
   * Each needed post's rendering: stored (read when asked for), or rendered
   * now (all at once, so a pool can share them out).
   */
  async #render(
    needed: readonly Post[],
    withBody: ReadonlySet<string>,
    normalized: ReadonlyMap<string, NormalizeResult>,
    run: Run,
  ): Promise<Renderings> {
    /** Renderings made in this run, by file. */
    const results = new Map<string, RenderResult>()
    /** The key of each needed post's rendering, by file; `undefined` for one not kept. */
    const keys = new Map<string, string | undefined>()
    const toRender: { post: Post; key: string }[] = []
    this.#usedKeys = new Set()
    for (const post of needed) {
      const record = this.records.get(post.file) as PostRecord
      const hasBody = withBody.has(post.file)
      const key = hasBody || record.rendered === undefined ? renderKeyOf(post) : record.rendered.key
      this.#usedKeys.add(key)
      keys.set(post.file, key)
      if (!this.#isStored(key, run)) toRender.push({ post, key })
      // A body expanded from other posts (a preset's templates) may change when they do: its key is not kept.
      const isOwnBody = normalized.get(post.file)?.post === post
      if (hasBody) {
        this.#touched.add(post.file)
        record.rendered =
          isOwnBody && record.wholeHash !== undefined
            ? { key, wholeHash: record.wholeHash, configHash: run.configHash, fields: renderedFieldsOf(post) }
            : undefined
      }
    }
    if (toRender.length > 0) {
      const onProgress = run.options.onProgress
      const renderOptions = {
        onRendered: (done: number) => onProgress?.({ phase: 'render', done, total: toRender.length }),
      }
      const { rendered, fromEarly } = await renderWithEarly(toRender, run.early, (posts) =>
        // A few posts go to the worker started early, which is ready by now; more, to a pool of their size.
        run.prestarted !== undefined && posts.length < POOL_THRESHOLD
          ? run.prestarted.render(posts, renderOptions)
          : renderMany(posts, renderOptions),
      )
      this.lastLoad.rendered += rendered.length
      this.lastLoad.renderedEarly += fromEarly
      for (const [index, { post, key }] of toRender.entries()) {
        const result = rendered[index] as RenderResult
        results.set(post.file, result)
        // A post stopped for taking too long might finish another time: its result is not kept,
        // and its key names no rendering.
        if (result.warnings.some((warning) => warning.code === 'POST_TOO_COMPLEX')) keys.set(post.file, undefined)
        else this.#renders.set(key, result)
      }
    }
    const keyOf = (post: Post): string | undefined => {
      if (!keys.has(post.file)) throw new Error(`internal error: ${post.file} was not rendered before the feeds were`)
      return keys.get(post.file)
    }
    return {
      itemDigests: {
        get: (post, renderingKey) => {
          const normalized = this.records.get(post.file)?.normalized
          const kept = normalized?.itemDigest
          return normalized?.result.post === post && kept?.renderingKey === renderingKey ? kept.digest : undefined
        },
        keep: (post, renderingKey, digest) => {
          const normalized = this.records.get(post.file)?.normalized
          if (normalized?.result.post !== post) return
          normalized.itemDigest = { renderingKey, digest }
          this.#touched.add(post.file)
        },
      },
      get: (post) => {
        const fresh = results.get(post.file)
        if (fresh !== undefined) return fresh
        this.lastLoad.renderingsTaken++
        const stored = this.#renders.get(keyOf(post) as string)
        if (stored === undefined) throw new RenderingLostError(post.file)
        return stored
      },
      warningsOf: (post) => {
        const warnings = results.get(post.file)?.warnings ?? this.#renders.warningsOf(keyOf(post) as string)
        if (warnings === undefined) throw new RenderingLostError(post.file)
        return warnings
      },
      keyOf,
    }
  }

  #readProblems(paths: readonly string[]): { readProblems: KabarError[]; found: number } {
    const readProblems = [...this.#listProblems]
    let found = 0
    for (const filePath of paths) {
      const problem = this.records.get(filePath)?.problem
      if (problem !== undefined) readProblems.push(problem)
      if (problem === undefined || problem.severity === 'error') found++
    }
    return { readProblems, found }
  }
}

/** When a worker thread shares the reading (tests lower the count, and can leave it all to the worker). */
export interface ParallelScanOptions {
  /** Files to read from which a worker is started. Default {@link PARALLEL_SCAN_FROM}. */
  fromFiles?: number
  /** The main thread reads nothing until the worker is done: only for tests of the worker's part. */
  isWorkerOnly?: boolean
  /** Files read before the posts shown are guessed (see likely-shown.ts). Default {@link GUESS_AFTER}. */
  guessAfter?: number
}

/** What a scan gathers. */
interface ScanState {
  results: Map<string, NormalizeResult>
  /** Files read whole in this run whose posts kept their bodies: an output showing one need not read it again. */
  withBody: Set<string>
  /** The body-less copy each record keeps of a post read whole in this run, by the post read. */
  bodiless: Map<Post, Post>
  /** Sources whose date must come from git: looked up together at the end, since git is slow to start. */
  needingDates: SourceFile[]
  settings: ScanSettings
  /** Gives a post kept the author list and tags other posts kept have (see {@link valueSharer}). */
  share: (post: Post) => void
}

/** One load's settled state. */
interface Run {
  config: ResolvedConfig
  configHash: string
  now: number
  options: LoadOptions
  /** Renderings begun before the posts were selected (see `#renderEditedEarly`, `#renderLikelyShown`), by file. */
  early: Map<string, EarlyRendering>
  /** A render worker started before the posts were read, if any. */
  prestarted: RenderPool | undefined
}

/** A post rendered early: its key then, and its rendering (`undefined` if that failed). */
interface EarlyRendering {
  key: string
  result: Promise<RenderResult | undefined>
}

/** Files edited since the last build above which none is rendered early: the guess is for an edit or two. */
const EARLY_RENDERS_AT_MOST = 4

/**
 * The renderings of `toRender`, in order: taken from `early` for a post
 * whose key is the one rendered early, made by `render` for the others
 * (and for any whose early rendering failed).
 */
export async function renderWithEarly(
  toRender: readonly { post: Post; key: string }[],
  early: ReadonlyMap<string, EarlyRendering>,
  render: (posts: Post[]) => Promise<RenderResult[]>,
): Promise<{ rendered: RenderResult[]; fromEarly: number }> {
  const fromEarly = await Promise.all(
    toRender.map(({ post, key }) => {
      const begun = early.get(post.file)
      return begun?.key === key ? begun.result : undefined
    }),
  )
  const rest = toRender.filter((_item, index) => fromEarly[index] === undefined).map(({ post }) => post)
  const renderedNow = rest.length === 0 ? [] : await render(rest)
  let next = 0
  return {
    rendered: fromEarly.map((result) => result ?? (renderedNow[next++] as RenderResult)),
    fromEarly: toRender.length - rest.length,
  }
}

/**
 * A normalized result the record remembers, when normalizing again would
 * give the same: same config, and the clock moved on without crossing a date
 * that matters. Without a preset, normalizing depends on the clock only
 * through "updated is in the future"; a preset may exclude posts by date
 * (Hugo's `expiryDate`), so with one the clock must be the same.
 */
function rememberedResult(record: PostRecord, run: Run): NormalizeResult | undefined {
  const remembered = record.normalized
  if (remembered === undefined || remembered.configHash !== run.configHash) return undefined
  if (remembered.now === run.now) return remembered.result
  const post = remembered.result.post
  if (post === undefined || run.config.activePreset !== undefined) return undefined
  return post.updated === undefined || post.updated.getTime() <= run.now ? remembered.result : undefined
}

/** The results of `paths`, in their order (a loop: flatMap was a tenth of a rebuild's selecting). */
function resultsInOrder(paths: readonly string[], results: ReadonlyMap<string, NormalizeResult>): NormalizeResult[] {
  const inOrder: NormalizeResult[] = []
  for (const filePath of paths) {
    const result = results.get(filePath)
    if (result !== undefined) inOrder.push(result)
  }
  return inOrder
}

/**
 * The post without its body, one object per post: the one its record keeps
 * (from `bodiless`) when there is one, so that the selection, the selection
 * memo and the records share it.
 */
function bodyRemover(bodiless: ReadonlyMap<Post, Post>): (post: Post) => Post {
  const made = new Map<Post, Post>()
  return (post) => {
    if (post.body === '') return post
    let without = bodiless.get(post) ?? made.get(post)
    if (without === undefined) {
      without = { ...post, body: '' }
      made.set(post, without)
    }
    return without
  }
}

/** The selection with every post's body let go: rendered, a full archive's bodies are 100 MB nobody reads. */
function withoutBodies(selection: Selection, withoutBody: (post: Post) => Post): Selection {
  const strip = (posts: readonly Post[]) => posts.map(withoutBody)
  const published = strip(selection.published)
  return {
    ...selection,
    published,
    publishedByFile: strip(selection.publishedByFile),
    shown: published.slice(0, selection.shown.length),
    drafts: strip(selection.drafts),
    future: strip(selection.future),
    excluded: strip(selection.excluded),
  }
}

/**
 * One copy of each author list and tag among the posts of one scan. Each post
 * parsed had a list of its own (an array with room for 17 authors, an object
 * for each, a string for each tag): 29 of the 158 MB the records of 100,000
 * posts hold, and as much for the collector to copy while they are read.
 * Nothing changes a post's lists once made; posts read from the cache share
 * theirs already (post-cache.ts).
 */
function valueSharer(): (post: Post) => void {
  const authorLists = new Map<string, Author[]>()
  const tags = new Map<string, string>()
  return (post) => {
    const key = JSON.stringify(post.authors)
    const authors = authorLists.get(key)
    if (authors === undefined) authorLists.set(key, post.authors)
    else post.authors = authors
    for (const [index, tag] of post.tags.entries()) {
      const known = tags.get(tag)
      if (known === undefined) tags.set(tag, tag)
      else post.tags[index] = known
    }
  }
}

function emptyCounts(): LoadCounts {
  return { listed: 0, read: 0, readWhole: 0, normalized: 0, rendered: 0, renderedEarly: 0, renderingsTaken: 0 }
}

/**
 * The record after reading a file again. Unchanged bytes keep what was
 * derived from them; an unchanged head says nothing of the body, so only
 * what came from the head is kept.
 */
function updatedRecord(previous: PostRecord | undefined, read: ReadOutcome): PostRecord {
  if (read.kind === 'problem') {
    return {
      stamp: read.stamp,
      isRacy: false,
      problem: read.problem,
      hash: '',
      wholeHash: undefined,
      normalized: undefined,
      rendered: undefined,
    }
  }
  const isSameBytes = previous !== undefined && previous.problem === undefined && previous.hash === read.hash
  if (read.isWhole) {
    return {
      stamp: read.stamp,
      isRacy: isRacyStamp(read.stamp),
      problem: undefined,
      hash: read.hash,
      wholeHash: read.hash,
      normalized: isSameBytes ? previous.normalized : undefined,
      rendered: isSameBytes ? previous.rendered : undefined,
    }
  }
  return {
    stamp: read.stamp,
    isRacy: isRacyStamp(read.stamp),
    problem: undefined,
    hash: read.hash,
    wholeHash: undefined,
    normalized: isSameBytes && previous.normalized?.isWhole === false ? previous.normalized : undefined,
    rendered: undefined,
  }
}

/**
 * File times tick coarsely (a few ms on Linux, two seconds on FAT), so a
 * file written within this long before it was read might be written again
 * with the same size and time. Git calls such index entries racily clean.
 */
const RACY_WINDOW_MS = 2000

function isRacyStamp(stamp: FileStamp): boolean {
  return stamp.mtimeMs >= Date.now() - RACY_WINDOW_MS
}

/** Each file's stamp, yielding to the event loop now and then. */
async function statAll(paths: readonly string[]): Promise<Map<string, FileStamp | undefined>> {
  const stamps = new Map<string, FileStamp | undefined>()
  for (const [index, filePath] of paths.entries()) {
    if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop()
    stamps.set(filePath, statOf(filePath))
  }
  return stamps
}

/**
 * A hash of the config and every post's path, size and time, and of the
 * files skipped while listing (they are in the report too); `undefined`
 * when a post's stamp is not to be relied on.
 */
function fingerprintOf(
  configHash: string,
  listProblems: readonly KabarError[],
  paths: readonly string[],
  stampOf: (filePath: string) => FileStamp | undefined,
  pieces: FingerprintPiece[] = [],
): string | undefined {
  const hash = createHash('sha1').update(configHash)
  for (const problem of listProblems) hash.update(`${problem.file}\0${problem.message}\n`)
  for (let start = 0, index = 0; start < paths.length; start += FINGERPRINT_PIECE, index++) {
    const piecePaths = paths.slice(start, start + FINGERPRINT_PIECE)
    const stamps: FileStamp[] = []
    for (const filePath of piecePaths) {
      const stamp = stampOf(filePath)
      if (stamp === undefined) return undefined
      stamps.push(stamp)
    }
    const known = pieces[index]
    const isKnown =
      known !== undefined &&
      known.paths.length === piecePaths.length &&
      piecePaths.every((filePath, at) => filePath === known.paths[at] && stamps[at] === known.stamps[at])
    if (!isKnown) {
      let text = ''
      for (const [at, filePath] of piecePaths.entries()) {
        const stamp = stamps[at] as FileStamp
        text += `${filePath}\0${stamp.size}\0${stamp.mtimeMs}\n`
      }
      pieces[index] = { paths: piecePaths, stamps, digest: createHash('sha1').update(text).digest('base64url') }
    }
    hash.update((pieces[index] as FingerprintPiece).digest)
  }
  pieces.length = Math.ceil(paths.length / FINGERPRINT_PIECE)
  return hash.digest('base64url')
}

/**
 * Paths hashed apart in a fingerprint. A store keeps each piece's digest
 * with the very stamp objects it was made from: a rebuild after one edit
 * hashes one piece again, not 10,000 paths and stamps (8 ms of a rebuild).
 */
const FINGERPRINT_PIECE = 256

interface FingerprintPiece {
  paths: readonly string[]
  stamps: readonly FileStamp[]
  digest: string
}

function statOf(filePath: string): FileStamp | undefined {
  try {
    const stats = statSync(filePath)
    return { size: stats.size, mtimeMs: stats.mtimeMs }
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined
    throw error
  }
}

function isSameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs
}

/** Whether a watcher's path is a post file the listing would include. */
function isPostPath(postsDir: string, filePath: string): boolean {
  const relative = path.relative(postsDir, filePath)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false
  const segments = relative.split(path.sep)
  return (
    segments.every((segment) => !segment.startsWith('_') && !segment.startsWith('.')) &&
    isPostFileName(path.basename(filePath))
  )
}

/**
 * A hash of everything in the config that can change a post: all of it but
 * `limit` and `outDir`, which only decide which posts go where.
 */
export function hashConfig(config: ResolvedConfig): string {
  const { limit: _limit, outDir: _outDir, ...rest } = config
  const json = JSON.stringify(rest, (_key, value: unknown) => {
    if (value instanceof Map) return { map: [...value] }
    if (value instanceof Set) return { set: [...value] }
    if (typeof value === 'function') return { function: String(value) }
    return value
  })
  return createHash('sha1').update(json).digest('base64url')
}
