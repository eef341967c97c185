import type { BuildReport } from '../build.js'
import { type RebuiltEvent, type Watcher, watch } from '../io/watch.js'
import type { CliArguments } from './args.js'
import { toBuildOptions } from './build-options.js'
import { type CliContext, EXIT_FAILED, EXIT_OK } from './main.js'
import { displayPath, formatProblem, formatSummary } from './report.js'

/** Files named in a rebuild line; more are counted. */
const MAX_LISTED_FILES = 4

/** What `main()` hands a long-running command. */
export type WatchContext = CliContext

/**
 * `kabar watch`: builds, then rebuilds on every change until stopped, one
 * line per rebuild. Returns the exit code: 0 when stopped, 1 when there is
 * no config to watch.
 */
export async function runWatch(args: CliArguments, context: WatchContext): Promise<number> {
  const { cwd, stdout, stderr, env } = context
  const watcher = watch(toBuildOptions(args, context))
  const printer = createPrinter(args, context)
  watcher.on('rebuilt', printer.print)
  watcher.on('error', (error) => {
    stderr.write(`kabar watch: internal error: ${error.message}\n`)
    if (env.DEBUG) stderr.write(`${error.stack}\n`)
  })
  const stopped = waitForStop(context.signal)
  const first = await Promise.race([
    watcher.ready.then(
      (event) => ({ event }),
      () => ({ hasFailed: true }),
    ),
    stopped.then(() => ({})),
  ])
  // Without a config there is nothing to watch; a start that failed was printed by the error listener.
  const isHopeless =
    'hasFailed' in first ||
    ('event' in first && first.event.report.errors.some((problem) => problem.code === 'CONFIG_NOT_FOUND'))
  if (isHopeless || !('event' in first)) {
    await watcher.close()
    return isHopeless ? EXIT_FAILED : EXIT_OK
  }
  if (!args.quiet && !args.json) stdout.write(`${describeWatched(watcher.watched, cwd)}\n`)
  await stopped
  await watcher.close()
  if (!args.quiet && !args.json) stdout.write('kabar watch: stopped\n')
  return EXIT_OK
}

/**
 * Prints each rebuild: its errors, the warnings that were not there the
 * time before (the same warning on every save is noise), and one line.
 */
function createPrinter(args: CliArguments, context: WatchContext) {
  const { cwd, stdout, stderr } = context
  let shownWarnings = new Set<string>()
  return {
    print(event: RebuiltEvent): void {
      const { report } = event
      if (args.json) {
        stdout.write(`${JSON.stringify(toJsonLine(event, cwd))}\n`)
        return
      }
      for (const problem of report.errors) stderr.write(`${formatProblem(problem, cwd)}\n`)
      const warnings = report.warnings.map((problem) => formatProblem(problem, cwd))
      if (!args.quiet) for (const line of warnings) if (!shownWarnings.has(line)) stderr.write(`${line}\n`)
      shownWarnings = new Set(warnings)
      if (event.trigger === 'start') {
        if (!report.ok || !args.quiet) {
          ;(report.ok ? stdout : stderr).write(`${formatSummary(report, cwd, event.durationMs, false)}\n`)
        }
        return
      }
      if (report.ok && args.quiet) return
      ;(report.ok ? stdout : stderr).write(`${formatRebuildLine(event, cwd)}\n`)
    },
  }
}

/** `posts/alibaba-ai.md changed → rss.xml atom.xml feed.json in 18 ms` */
export function formatRebuildLine(event: RebuiltEvent, cwd: string): string {
  return `${describeChanges(event, cwd)} → ${describeResult(event, cwd)}`
}

function describeChanges(event: RebuiltEvent, cwd: string): string {
  if (event.trigger === 'schedule') return 'a post dated in the future became due'
  const entries = [
    ...event.added.map((file) => [file, 'added'] as const),
    ...event.changed.map((file) => [file, 'changed'] as const),
    ...event.removed.map((file) => [file, 'removed'] as const),
  ]
  if (entries.length === 0) return 'a folder changed'
  if (entries.length <= 2) return entries.map(([file, verb]) => `${displayPath(file, cwd)} ${verb}`).join(', ')
  const counts = [
    event.added.length > 0 ? `${event.added.length} added` : '',
    event.changed.length > 0 ? `${event.changed.length} changed` : '',
    event.removed.length > 0 ? `${event.removed.length} removed` : '',
  ].filter(Boolean)
  return `${entries.length} files ${counts.length === 1 ? counts[0]?.replace(/^\d+ /, '') : `(${counts.join(', ')})`}`
}

function describeResult(event: RebuiltEvent, cwd: string): string {
  const { report } = event
  const time = `in ${Math.round(event.durationMs)} ms`
  if (report.ok) return `${describeWritten(report.written)} ${time}`
  const count = `${report.errors.length} ${report.errors.length === 1 ? 'error' : 'errors'}`
  if (report.errors.every((problem) => problem.code.startsWith('CONFIG_'))) {
    return report.outDir === undefined
      ? `${count} in the config; nothing built yet`
      : `${count} in the config; still using the last good config`
  }
  const outDir = report.outDir === undefined ? 'dist' : displayPath(report.outDir, cwd)
  return `${count}; the feeds in ${outDir}/ are as they were`
}

/** The files written, or "unchanged"; past a handful (tag feeds, archive pages) a count. */
function describeWritten(written: readonly string[]): string {
  if (written.length === 0) return 'unchanged'
  if (written.length <= MAX_LISTED_FILES) return written.join(' ')
  return `${written.slice(0, MAX_LISTED_FILES - 1).join(' ')} and ${written.length - MAX_LISTED_FILES + 1} more files`
}

/** `kabar watch: watching posts/, public/ and kabar.config.json for changes (Ctrl-C stops)` */
function describeWatched(watched: Watcher['watched'], cwd: string): string {
  const names = [
    ...watched.folders.map((folder) => `${displayPath(folder, cwd)}/`),
    ...(watched.configFile === undefined ? [] : [displayPath(watched.configFile, cwd)]),
  ]
  const list = names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  return `kabar watch: watching ${list} for changes (Ctrl-C stops)`
}

/** The `--json` form: one object per line, paths as `kabar build --json` shows them. */
function toJsonLine(event: RebuiltEvent, cwd: string) {
  const relative = (file: string) => displayPath(file, cwd)
  const problems = (list: BuildReport['errors']) =>
    list.map((problem) => (problem.file === undefined ? problem : { ...problem, file: relative(problem.file) }))
  return {
    trigger: event.trigger,
    added: event.added.map(relative),
    changed: event.changed.map(relative),
    removed: event.removed.map(relative),
    durationMs: Math.round(event.durationMs),
    report: {
      ...event.report,
      configFile: event.report.configFile === undefined ? undefined : relative(event.report.configFile),
      postsDir: event.report.postsDir === undefined ? undefined : relative(event.report.postsDir),
      outDir: event.report.outDir === undefined ? undefined : relative(event.report.outDir),
      errors: problems(event.report.errors),
      warnings: problems(event.report.warnings),
    },
  }
}

/**
 * Resolves on `signal`, or on the first SIGINT or SIGTERM. The handlers go
 * after the first signal, so a second Ctrl-C ends the process at once; the
 * feeds are safe either way, since they are only ever renamed into place.
 */
function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    if (signal !== undefined) {
      if (signal.aborted) stop()
      else signal.addEventListener('abort', stop, { once: true })
      return
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
