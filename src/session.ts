import path from 'node:path'
import { type BuildOptions, type BuildReport, runBuild } from './build.js'
import type { ResolvedConfig } from './core/config.js'
import { BuildMemoStore } from './io/build-memo.js'
import { type LoadCounts, PostStore } from './io/post-store.js'

/** Posts a file watcher saw change since the last run: absolute paths, or relative to `cwd`. */
export interface PostChanges {
  /** Posts added or edited. */
  changed?: readonly string[]
  /** Posts deleted (or renamed away). */
  removed?: readonly string[]
}

/** What `createBuildSession()` accepts: the options of `build()`, and a config already loaded. */
export interface BuildSessionOptions extends BuildOptions {
  /**
   * A config already loaded and resolved, with `posts`, `out` and `limit`
   * overrides applied: every run uses it and never reads the config file.
   * Without it each run reads the config file, as `build()` does.
   */
  resolvedConfig?: ResolvedConfig
}

/** A build engine that keeps what it read and rendered between runs. */
export interface BuildSession {
  /**
   * Builds the feeds. Without `changes` every post file is looked at again
   * (one stat each; only files whose size or time changed are read). With
   * `changes`, only those paths are read: the caller promises nothing else
   * changed. Runs never overlap: a second call waits for the first.
   */
  run(changes?: PostChanges): Promise<BuildReport>
  /** Frees what the session holds. A run in progress still finishes. */
  close(): void
  /** What the last run did, for tests and the benchmark: files read, posts normalized and rendered. */
  readonly lastRun: RunCounts
}

/** Post files listed and read (heads or whole), posts normalized and rendered rather than remembered. */
export type RunCounts = LoadCounts

/**
 * Starts a build session, the incremental engine behind `build()` and watch
 * mode: `build(options)` is one `run()` of a fresh session. Between runs it
 * keeps every post's normalized frontmatter and the rendering of every post
 * a feed showed, so a run after one edit reads and renders one post.
 */
export function createBuildSession(options: BuildSessionOptions = {}): BuildSession {
  const { resolvedConfig, ...buildOptions } = options
  const cwd = options.cwd ?? process.cwd()
  const resolved = (changes: PostChanges | undefined) =>
    changes === undefined
      ? undefined
      : {
          changed: (changes.changed ?? []).map((file) => path.resolve(cwd, file)),
          removed: (changes.removed ?? []).map((file) => path.resolve(cwd, file)),
        }
  const isCached = options.cache ?? true
  const posts = new PostStore({ cache: isCached })
  const memo = isCached ? new BuildMemoStore() : undefined
  let previous: Promise<unknown> = Promise.resolve()
  let isClosed = false
  return {
    run(changes?: PostChanges): Promise<BuildReport> {
      if (isClosed) return Promise.reject(new Error('this build session is closed'))
      const result = previous.then(() =>
        runBuild(buildOptions, {
          config: resolvedConfig,
          posts: { load: (config, loadOptions) => posts.load(config, { ...loadOptions, changes: resolved(changes) }) },
          memo,
        }),
      )
      // The cache is written after the report is out, and before the next run starts.
      previous = result.then(() => posts.save()).catch(() => undefined)
      return result
    },
    close(): void {
      isClosed = true
      posts.records.clear()
    },
    get lastRun(): RunCounts {
      return { ...posts.lastLoad }
    },
  }
}
