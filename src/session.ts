import { type BuildOptions, type BuildReport, runBuild } from './build.js'
import type { ResolvedConfig } from './core/config.js'

/** Posts a file watcher saw change since the last run: absolute, or relative to `cwd`. */
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
   * Builds the feeds. Without `changes` every post is looked at again (a
   * stat per file; only files whose size or time changed are read). With
   * `changes`, only those paths are read: the caller promises nothing else
   * changed. Runs never overlap: a second call waits for the first.
   */
  run(changes?: PostChanges): Promise<BuildReport>
  /** Frees what the session holds. A run in progress still finishes. */
  close(): void
}

/**
 * Starts a build session, the incremental engine behind `build()` and watch
 * mode: `build(options)` is one `run()` of a fresh session.
 */
export function createBuildSession(options: BuildSessionOptions = {}): BuildSession {
  const { resolvedConfig, ...buildOptions } = options
  let previous: Promise<unknown> = Promise.resolve()
  let isClosed = false
  return {
    run(_changes?: PostChanges): Promise<BuildReport> {
      if (isClosed) return Promise.reject(new Error('this build session is closed'))
      const result = previous.then(() => runBuild(buildOptions, { config: resolvedConfig }))
      previous = result.catch(() => undefined)
      return result
    },
    close(): void {
      isClosed = true
    },
  }
}
