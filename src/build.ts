import path from 'node:path'
import type { ResolvedConfig } from './core/config.js'
import { type Selection, type SelectOptions, selectPosts } from './core/pipeline.js'
import type { Post, SourceFile } from './core/post.js'
import type { PresetChoice } from './core/presets/types.js'
import { postsInOutputs, renderOutputs } from './core/render-outputs.js'
import { isKabarError, KabarError, KabarErrorList } from './errors.js'
import { BuildMemoStore, memoKey } from './io/build-memo.js'
import { choosePreset } from './io/detect-preset.js'
import { addFallbackDates } from './io/fallback-dates.js'
import type { FileSystem } from './io/file-system.js'
import { idManifestStamp, writeIdManifest } from './io/id-manifest.js'
import { readImageSizes } from './io/image-sizes.js'
import { loadConfig } from './io/load-config.js'
import { type LoadedPosts, type LoadProgress, type PostLoader, PostStore, RenderingLostError } from './io/post-store.js'
import { checkPublishedIds } from './io/published-ids.js'
import { readPosts } from './io/read-posts.js'
import { measureOutputs, type WriteResult, writeOutputs } from './io/write-outputs.js'

/** What `build()` accepts: the CLI flags, as a library call. */
export interface BuildOptions {
  /** Folder relative paths are resolved from. Default `process.cwd()`. */
  cwd?: string
  /** Config file; default: looked up in `cwd`. */
  config?: string
  /** Overrides the config's `posts` folder (relative to `cwd`). */
  posts?: string
  /** Overrides the config's `out` folder (relative to `cwd`). */
  out?: string
  /** Overrides `limit`; 0 means every post. */
  limit?: number
  /** Include drafts. */
  drafts?: boolean
  /** Include future-dated posts (a preview). */
  future?: boolean
  /** Warnings count as errors. */
  strict?: boolean
  /** Check only: write nothing. */
  dryRun?: boolean
  /** Overrides the config's `preset`: a generator's name, `auto` or `none`. */
  preset?: PresetChoice
  /** Check ids against the feeds deployed there (a folder or URL) instead of the id manifest. */
  compare?: string
  /** The build's clock. Default: now. */
  now?: Date
  /** Keep what was read and rendered in `.cache/kabar/` beside the config for the next build. Default true. */
  cache?: boolean
  /** Called as posts are read and rendered, for a progress bar. */
  onProgress?: (progress: BuildProgress) => void
  /** For fault-injection tests. */
  fileSystem?: FileSystem
}

/** A post that was read but is not in the feeds. */
export interface SkippedPost {
  file: string
  reason: 'draft' | 'future' | 'excluded'
  /** Why, and how to include it when that is possible. */
  message: string
}

/** How far a build is: posts read, or rendered, out of how many. */
export type BuildProgress = LoadProgress

/** One reported problem, as plain data (the JSON report's shape). */
export interface Problem {
  severity: 'error' | 'warning'
  code: string
  message: string
  file?: string
  line?: number
  field?: string
}

export interface BuildReport {
  ok: boolean
  configFile: string | undefined
  postsDir: string | undefined
  outDir: string | undefined
  /** `excluded`: posts the preset's generator would never publish (`expiryDate` passed, …). */
  posts: { found: number; published: number; shown: number; drafts: number; future: number; excluded?: number }
  /** The preset the posts were read with, and why; absent when none. */
  preset?: { name: string; reason: string } | undefined
  /** Every post read but not published, with why (what `kabar check` lists). */
  skipped?: SkippedPost[]
  /** Items per feed file, by file name. */
  feeds: Record<string, number>
  written: string[]
  unchanged: string[]
  warnings: Problem[]
  errors: Problem[]
  /** When the next future-dated post becomes due: schedule a rebuild then. */
  nextFutureDate: string | undefined
}

/**
 * Builds the feeds: reads the config and posts, renders, and writes the
 * feed files atomically. Never throws for a user's mistake: problems come
 * back in the report, and when there is any error nothing is written.
 */
export async function build(options: BuildOptions = {}): Promise<BuildReport> {
  const isCached = options.cache ?? true
  const posts = new PostStore({ cache: isCached })
  const report = await runBuild(options, { posts, ...(isCached && { memo: new BuildMemoStore() }) })
  posts.save()
  return report
}

/** What a build session carries from one run to the next. */
export interface BuildContext {
  /** A config already loaded and resolved (overrides applied): used instead of reading the config file. */
  config?: ResolvedConfig | undefined
  /** Where the posts come from: what a session kept, brought up to date. Without it every post is read. */
  posts?: PostLoader | undefined
  /** The last build's report, which stands when nothing it was built from changed (build-memo.ts). */
  memo?: BuildMemoStore | undefined
}

/** One build; a session calls it again with what it kept. */
export async function runBuild(options: BuildOptions, context: BuildContext): Promise<BuildReport> {
  try {
    return await runBuildOnce(options, context, false)
  } catch (error) {
    if (!(error instanceof RenderingLostError)) throw error
    // A stored rendering was found damaged only when a file showing its post was serialized
    // (they are read only then): nothing was replaced yet. Once more, checking every rendering first.
    return runBuildOnce(options, context, true)
  }
}

async function runBuildOnce(
  options: BuildOptions,
  context: BuildContext,
  verifyRenderings: boolean,
): Promise<BuildReport> {
  const cwd = options.cwd ?? process.cwd()
  /** What the build memo keeps of this build: set once the outputs are written. */
  let toRemember: RememberedBuild | undefined
  const report: BuildReport = {
    ok: false,
    configFile: undefined,
    postsDir: undefined,
    outDir: undefined,
    posts: { found: 0, published: 0, shown: 0, drafts: 0, future: 0 },
    preset: undefined,
    skipped: [],
    feeds: {},
    written: [],
    unchanged: [],
    warnings: [],
    errors: [],
    nextFutureDate: undefined,
  }
  const problems: KabarError[] = []
  try {
    let config = context.config ?? applyOverrides(await loadConfig(cwd, options.config), options, cwd)
    report.configFile = config.configPath
    report.postsDir = config.postsDir
    report.outDir = config.outDir
    const selectOptions = {
      now: options.now ?? new Date(),
      includeDrafts: options.drafts ?? false,
      includeFuture: options.future ?? false,
    }
    // A Jekyll, Hugo, Eleventy or Astro site's posts are read as that generator reads them.
    const baseConfig = config
    const configure = async (sources: readonly SourceFile[]) => {
      const chosen = await choosePreset(baseConfig, sources, options.preset)
      problems.push(...chosen.problems)
      return chosen.config
    }
    const addDates = (sources: readonly SourceFile[], chosen: ResolvedConfig) =>
      addFallbackDates(sources, { fallback: chosen.dateFallback, postsDir: chosen.postsDir })
    // When no post, option or output changed since the last build, its report stands.
    const memo = options.compare === undefined ? context.memo : undefined
    const memoOptions = memoOptionsOf(options, baseConfig)
    const manifestBefore = idManifestStamp(baseConfig.idManifest)
    let replayed: BuildReport | undefined
    const isUnchanged = (fingerprint: string) => {
      replayed = memo?.replay(baseConfig.configPath, memoKey(fingerprint, memoOptions), selectOptions.now)
      return replayed !== undefined
    }
    // The post store reads each post's head, and whole only the posts the outputs show; an
    // injected file system (for fault-injection tests) gets the plain path that reads everything.
    const loaded =
      context.posts !== undefined && options.fileSystem === undefined
        ? await context.posts.load(config, {
            ...selectOptions,
            configure,
            addFallbackDates: addDates,
            neededPosts: postsInOutputs,
            onProgress: options.onProgress,
            verifyRenderings,
            ...(memo?.has(baseConfig.configPath) && { isUnchanged }),
          })
        : await readAndSelectPosts(config, selectOptions, { configure, addDates, fileSystem: options.fileSystem })
    if (loaded === undefined) return replayed as BuildReport
    config = loaded.config
    problems.push(...loaded.readProblems)
    report.posts.found = loaded.found
    report.preset =
      config.activePreset === undefined
        ? undefined
        : { name: config.activePreset.name, reason: config.activePreset.reason }
    const selection = loaded.selection
    problems.push(...selection.problems)
    fillCounts(report, selection)
    if (report.posts.found === 0) {
      problems.push(
        new KabarError(
          'NO_POSTS',
          'there are no Markdown posts (*.md) in this folder — add one, or point "posts" in the config at the right folder',
          { file: config.postsDir },
        ),
      )
    } else if (selection.published.length === 0 && !hasErrors(problems)) {
      problems.push(
        new KabarError(
          'NO_PUBLISHABLE_POSTS',
          `none of the ${report.posts.found} posts can be published yet (drafts: ${report.posts.drafts}, dated in the future: ${report.posts.future}) — publish one, or build with --drafts or --future to preview`,
          { file: config.postsDir },
        ),
      )
    }
    if (!hasErrors(problems)) {
      const images = await readImageSizes(postsInOutputs(selection.published, config), options.fileSystem)
      problems.push(...images.warnings)
      const outputs = renderOutputs(selection.published, config, images.sizes, loaded.renderings)
      problems.push(...outputs.warnings)
      // Size warnings come once the files are made, one at a time while they are written; in the report
      // they stand where they always have, after the renderings' warnings.
      const sizeWarningsAt = problems.length
      for (const [name, count] of outputs.feeds) report.feeds[name] = count
      // A new process finding the id manifest as the last build left it, with this build's entries, does not read it.
      const ids = context.memo?.idManifestOf(config, selection.publishedByFile, options.fileSystem === undefined)
      ids?.trust()
      problems.push(
        ...(await checkPublishedIds(config, selection.publishedByFile, {
          cwd,
          compare: options.compare,
          fileSystem: options.fileSystem,
        })),
      )
      const isBlocked = () => hasErrors(problems) || (options.strict === true && problems.length > 0)
      const writeOptions = {
        ...(options.fileSystem && { fileSystem: options.fileSystem }),
        records: context.memo?.outputRecords(config.configPath),
      }
      let written: WriteResult | undefined
      try {
        if (isBlocked() || options.dryRun === true) await measureOutputs(config.outDir, outputs.files, writeOptions)
        else {
          written = await writeOutputs(config.outDir, outputs.files, {
            ...writeOptions,
            shouldReplace: () => options.strict !== true || outputs.sizeWarnings().length === 0,
          })
        }
      } finally {
        problems.splice(sizeWarningsAt, 0, ...outputs.sizeWarnings())
      }
      if (written?.isReplaced === true) {
        report.written = written.written
        report.unchanged = written.unchanged
        if (memo !== undefined && loaded.fingerprint !== undefined && config.activePreset === undefined) {
          const files = filesReportedOn(
            config,
            outputs.files.map((file) => file.name),
            postsInOutputs(selection.published, config),
          )
          toRemember = {
            key: memoKey(loaded.fingerprint, memoOptions),
            files,
            idManifest: config.idManifest,
            manifestBefore,
          }
        }
        // A preview (--drafts, --future) publishes nothing: only a real build records ids.
        if (config.idManifest !== undefined && options.drafts !== true && options.future !== true) {
          await writeIdManifest(config.idManifest, selection.publishedByFile, options.fileSystem)
          ids?.remember()
        }
      }
    }
  } catch (error) {
    if (error instanceof KabarErrorList) problems.push(...error.errors)
    else if (isKabarError(error)) problems.push(error)
    else throw error
  }
  // One post's problems together, in file order, whatever order they were found in.
  problems.sort((a, b) => compareText(a.file ?? '', b.file ?? '') || (a.line ?? 0) - (b.line ?? 0))
  for (const problem of problems) {
    const isError = problem.severity === 'error' || options.strict === true
    ;(isError ? report.errors : report.warnings).push(toProblem(problem, isError))
  }
  report.ok = report.errors.length === 0
  if (toRemember !== undefined && report.ok && report.configFile !== undefined) {
    // A build that rewrote the id manifest does not stand for the next: that one warns no more.
    if (idManifestStamp(toRemember.idManifest) === toRemember.manifestBefore) {
      context.memo?.write(report.configFile, toRemember.key, report, toRemember.files)
    }
  }
  return report
}

/** What the build memo keeps of a build (build-memo.ts). */
interface RememberedBuild {
  key: string
  /** Files the report depends on besides the posts. */
  files: string[]
  idManifest: string | undefined
  /** The id manifest's size and time before the build. */
  manifestBefore: string
}

/** The options that change a build's output or report, for the build memo's key. */
function memoOptionsOf(options: BuildOptions, config: ResolvedConfig): Record<string, unknown> {
  return {
    configPath: config.configPath,
    outDir: config.outDir,
    limit: config.limit,
    drafts: options.drafts === true,
    future: options.future === true,
    strict: options.strict === true,
    dryRun: options.dryRun === true,
    preset: options.preset ?? null,
  }
}

/** The output files, the local images of the posts they show, and the id manifest. */
function filesReportedOn(config: ResolvedConfig, outputs: Iterable<string>, shown: readonly Post[]): string[] {
  const files = [...outputs].map((name) => path.join(config.outDir, ...name.split('/')))
  for (const post of shown) if (post.image?.localPath !== undefined) files.push(post.image.localPath)
  if (config.idManifest !== undefined) files.push(config.idManifest)
  return files
}

/** Every post read whole, normalized and selected: the path without a post store. */
async function readAndSelectPosts(
  config: ResolvedConfig,
  selectOptions: SelectOptions,
  steps: {
    configure: (sources: readonly SourceFile[]) => Promise<ResolvedConfig>
    addDates: (sources: readonly SourceFile[], config: ResolvedConfig) => Promise<SourceFile[]>
    fileSystem: FileSystem | undefined
  },
): Promise<LoadedPosts> {
  const { sources, problems } = await readPosts(config.postsDir, {
    maxPostSize: config.maxPostSize,
    ...(steps.fileSystem ? { fileSystem: steps.fileSystem } : {}),
  })
  const chosen = await steps.configure(sources)
  const dated = await steps.addDates(sources, chosen)
  return {
    config: chosen,
    selection: selectPosts(dated, chosen, selectOptions),
    readProblems: problems,
    found: sources.length + problems.filter((problem) => problem.severity === 'error').length,
    renderings: undefined,
    fingerprint: undefined,
  }
}

function hasErrors(problems: readonly KabarError[]): boolean {
  return problems.some((problem) => problem.severity === 'error')
}

/** The config with the CLI's `--posts`, `--out` and `--limit` applied (paths relative to `cwd`). */
export function applyOverrides(config: ResolvedConfig, options: BuildOptions, cwd: string): ResolvedConfig {
  return {
    ...config,
    postsDir: options.posts === undefined ? config.postsDir : path.resolve(cwd, options.posts),
    outDir: options.out === undefined ? config.outDir : path.resolve(cwd, options.out),
    limit: options.limit ?? config.limit,
  }
}

function fillCounts(report: BuildReport, selection: Selection): void {
  report.posts.published = selection.published.length
  report.posts.shown = selection.shown.length
  report.posts.drafts = selection.drafts.length
  report.posts.future = selection.future.length
  // Only a preset excludes posts: without one the report keeps its usual shape.
  if (report.preset !== undefined) report.posts.excluded = selection.excluded.length
  report.skipped = [
    ...selection.excluded.map((post) => skipped(post, 'excluded', post.excludedBecause ?? 'excluded by the preset')),
    ...selection.drafts.map((post) => skipped(post, 'draft', 'a draft — build with --drafts to include it')),
    ...selection.future.map((post) =>
      skipped(post, 'future', `dated ${post.date.toISOString()}, in the future — build with --future to preview it`),
    ),
  ].sort((a, b) => compareText(a.file, b.file))
  report.nextFutureDate = selection.nextFutureDate?.toISOString()
}

function skipped(post: Post, reason: SkippedPost['reason'], message: string): SkippedPost {
  return { file: post.file, reason, message }
}

function toProblem(error: KabarError, isError: boolean): Problem {
  const problem: Problem = { severity: isError ? 'error' : 'warning', code: error.code, message: error.message }
  if (error.file !== undefined) problem.file = error.file
  if (error.line !== undefined) problem.line = error.line
  if (error.field !== undefined) problem.field = error.field
  return problem
}

/** Code-point order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
