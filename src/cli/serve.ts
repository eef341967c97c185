import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { type BuildOptions, type BuildReport, build, type Problem } from '../build.js'
import type { ResolvedConfig } from '../core/config.js'
import { isKabarError, KabarErrorList } from '../errors.js'
import { loadConfig } from '../io/load-config.js'
import { type Watcher, watch } from '../io/watch.js'
import { pullFastForward } from '../serve/git-pull.js'
import { DEFAULT_MAX_AGE_SECONDS, type FeedServer, startFeedServer } from '../serve/server.js'
import type { CliArguments, ServeArguments } from './args.js'
import { toBuildOptions, withRelativePaths } from './build-options.js'
import { type CliContext, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './main.js'
import { displayPath, formatProblem, formatSummary } from './report.js'
import { formatRebuildLine } from './watch.js'

/** What `main()` hands a long-running command. */
export type ServeContext = CliContext

/**
 * `kabar serve`: serves the out folder until stopped, with the publish hook
 * when `--hook-secret-env` names a variable holding the secret. Returns the
 * exit code.
 */
export async function runServe(args: CliArguments, serve: ServeArguments, context: ServeContext): Promise<number> {
  const { cwd, stdout, stderr, env } = context
  const secret = serve.hookSecretEnv === undefined ? undefined : env[serve.hookSecretEnv]
  if (serve.hookSecretEnv !== undefined && (secret === undefined || secret === '')) {
    stderr.write(
      `kabar: $${serve.hookSecretEnv} is empty or not set — export the hook secret in it before starting kabar serve\n`,
    )
    return EXIT_USAGE
  }
  let config: ResolvedConfig
  try {
    config = await loadConfig(cwd, args.config)
  } catch (error) {
    const problems = configProblems(error)
    for (const problem of problems) stderr.write(`${formatProblem(problem, cwd)}\n`)
    return EXIT_FAILED
  }
  const buildOptions = toBuildOptions(args, context)
  const outDir = buildOptions.out === undefined ? config.outDir : path.resolve(cwd, buildOptions.out)
  const postsDir = buildOptions.posts === undefined ? config.postsDir : path.resolve(cwd, buildOptions.posts)
  const maxAge = serve.maxAge ?? (serve.watch ? 0 : DEFAULT_MAX_AGE_SECONDS)
  const log = (line: string) => stdout.write(`${line}\n`)

  let server: FeedServer<BuildReport>
  try {
    server = await startFeedServer(
      {
        root: outDir,
        feedFiles: config.output,
        maxAge,
        ...(secret !== undefined && {
          hook: {
            secret,
            rebuild: (id: string) =>
              runHookBuild(id, { buildOptions, postsDir, isPulling: serve.pull, cwd, env, stdout, stderr }),
          },
        }),
        onError: (error) => {
          stderr.write(`kabar serve: internal error: ${(error as Error).message}\n`)
          if (env.DEBUG) stderr.write(`${(error as Error).stack}\n`)
        },
      },
      { port: serve.port, host: serve.host },
    )
  } catch (error) {
    stderr.write(`kabar: cannot listen on ${serve.host}:${serve.port}: ${listenErrorMessage(error)}\n`)
    return EXIT_FAILED
  }
  log(`kabar serve: ${displayPath(outDir, cwd)}/ at ${server.url} (Cache-Control: max-age=${maxAge})`)
  const feeds = Object.values(config.output).filter((name): name is string => name !== undefined)
  log(`  feeds: ${feeds.map((name) => new URL(name, server.url).href).join('  ')}`)
  if (serve.hookSecretEnv !== undefined) {
    const pull = serve.pull ? `, git pull --ff-only in ${displayPath(postsDir, cwd)}/ first` : ''
    log(`  publish hook: POST ${new URL('hooks/rebuild', server.url).href} signed with $${serve.hookSecretEnv}${pull}`)
  }
  const watcher = serve.watch ? await startWatching(buildOptions, context) : undefined
  await waitForStop(context.signal)
  await watcher?.close()
  await server.close()
  return EXIT_OK
}

/**
 * `--watch`: watch mode's rebuilds, logged as `kabar watch` logs them.
 * Readers keep being served throughout: a rebuild renames each finished
 * feed into place, and the server picks up the new file on its next request.
 */
async function startWatching(buildOptions: BuildOptions, context: ServeContext): Promise<Watcher> {
  const { cwd, stdout, stderr, env } = context
  const watcher = watch(buildOptions)
  watcher.on('rebuilt', (event) => {
    // Warnings come once, with the first build: the same warning on every save is noise.
    const problems =
      event.trigger === 'start' ? [...event.report.errors, ...event.report.warnings] : event.report.errors
    for (const problem of problems) stderr.write(`${formatProblem(problem, cwd)}\n`)
    const line =
      event.trigger === 'start'
        ? formatSummary(event.report, cwd, event.durationMs, false)
        : `kabar serve: ${formatRebuildLine(event, cwd)}`
    ;(event.report.ok ? stdout : stderr).write(`${line}\n`)
  })
  watcher.on('error', (error) => {
    stderr.write(`kabar serve: internal error in watch mode: ${error.message}\n`)
    if (env.DEBUG) stderr.write(`${error.stack}\n`)
  })
  await watcher.ready.catch(() => undefined)
  const folders = watcher.watched.folders.map((folder) => `${displayPath(folder, cwd)}/`)
  stdout.write(`  watching: ${folders.join(' ')} and the config; each change rebuilds the feeds\n`)
  return watcher
}

interface HookBuildContext {
  buildOptions: BuildOptions
  postsDir: string
  isPulling: boolean
  cwd: string
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** One hook build: pull if asked, build, log like `kabar build`, and return the report with readable paths. */
async function runHookBuild(id: string, context: HookBuildContext): Promise<BuildReport> {
  const { cwd, stdout, stderr } = context
  const started = performance.now()
  let report: BuildReport
  if (context.isPulling) {
    const pulled = await pullFastForward(context.postsDir, context.env)
    report = pulled.ok ? await build(context.buildOptions) : pullFailedReport(context.postsDir, pulled.output)
  } else {
    report = await build(context.buildOptions)
  }
  for (const problem of [...report.errors, ...report.warnings]) stderr.write(`${formatProblem(problem, cwd)}\n`)
  const summary = formatSummary(report, cwd, performance.now() - started, false)
  ;(report.ok ? stdout : stderr).write(`kabar serve: build ${id}: ${summary}\n`)
  return withRelativePaths(report, cwd)
}

/** A failed pull leaves the posts as they were, so nothing is built and the old feeds stay. */
function pullFailedReport(postsDir: string, output: string): BuildReport {
  return {
    ok: false,
    configFile: undefined,
    postsDir,
    outDir: undefined,
    posts: { found: 0, published: 0, shown: 0, drafts: 0, future: 0 },
    feeds: {},
    written: [],
    unchanged: [],
    warnings: [],
    errors: [
      {
        severity: 'error',
        code: 'GIT_PULL_FAILED',
        message: `git pull --ff-only failed, so nothing was built: ${output.split('\n').at(-1) ?? ''} — make git pull --ff-only succeed in this folder (a branch that diverged needs a merge or reset by hand)`,
        file: postsDir,
      },
    ],
    nextFutureDate: undefined,
  }
}

function configProblems(error: unknown): Problem[] {
  const errors = error instanceof KabarErrorList ? error.errors : isKabarError(error) ? [error] : undefined
  if (errors === undefined) throw error
  return errors.map((problem) => ({
    severity: 'error',
    code: problem.code,
    message: problem.message,
    ...(problem.file !== undefined && { file: problem.file }),
    ...(problem.line !== undefined && { line: problem.line }),
  }))
}

function listenErrorMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') return 'the port is in use — stop the other server or pass --port N (0 picks a free port)'
  if (code === 'EACCES') return 'permission denied — ports below 1024 need privileges; pick --port 1024 or above'
  if (code === 'EADDRNOTAVAIL') return 'this machine has no such address — check --host'
  return (error as Error).message
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
      return
    }
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
