import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { type BuildReport, build } from '../build.js'
import { isKabarError } from '../errors.js'
import { parseCliArguments, USAGE } from './args.js'
import { toBuildOptions, withRelativePaths } from './build-options.js'
import { createProgressBar } from './progress.js'
import { formatPreset, formatProblem, formatSkipped, formatSummary } from './report.js'

export interface CliContext {
  cwd: string
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  env: NodeJS.ProcessEnv
  /** The build's clock; tests fix it. */
  now?: Date
  /** Stops a long-running command (`serve`); default: SIGINT or SIGTERM. */
  signal?: AbortSignal
}

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** Runs the CLI and returns its exit code; only this function's caller sets `process.exitCode`. */
export async function main(argv: readonly string[], context: Partial<CliContext> = {}): Promise<number> {
  const { cwd = process.cwd(), stdout = process.stdout, stderr = process.stderr, env = process.env } = context
  let args: ReturnType<typeof parseCliArguments>
  try {
    args = parseCliArguments(argv)
  } catch (error) {
    if (!isKabarError(error)) throw error
    stderr.write(`kabar: ${error.message}\n\n${USAGE}\n`)
    return EXIT_USAGE
  }
  if (args.command === 'help') {
    stdout.write(`${USAGE}\n`)
    return EXIT_OK
  }
  if (args.command === 'version') {
    stdout.write(`${readVersion()}\n`)
    return EXIT_OK
  }
  // Each command's module is loaded when it runs: a build need not load a web server.
  const { now, signal } = context
  const commandContext: CliContext = {
    cwd,
    stdout,
    stderr,
    env,
    ...(now !== undefined && { now }),
    ...(signal !== undefined && { signal }),
  }
  if (args.serve !== undefined) return (await import('./serve.js')).runServe(args, args.serve, commandContext)
  if (args.command === 'watch') return (await import('./watch.js')).runWatch(args, commandContext)
  if (args.command === 'ping') return (await import('./ping.js')).runPing(args, { cwd, stdout, stderr })
  if (args.command === 'links') {
    const { runLinks } = await import('./links.js')
    return runLinks(args, { cwd, stdout, stderr, ...(context.now !== undefined && { now: context.now }) })
  }
  const started = performance.now()
  // A bar on stderr when the build runs for more than a second on a terminal.
  const progress = args.quiet ? undefined : createProgressBar(stderr as NodeJS.WritableStream & { isTTY?: boolean })
  let report: BuildReport
  try {
    report = await build({
      ...toBuildOptions(args, { cwd, now: context.now }),
      dryRun: args.command === 'check',
      ...(args.compare !== undefined && { compare: args.compare }),
      ...(progress !== undefined && { onProgress: progress.update }),
    })
  } catch (error) {
    progress?.done()
    // Not a user's mistake: a bug. Say so plainly; the stack only with DEBUG.
    stderr.write(`kabar: internal error: ${(error as Error).message}\n`)
    if (env.DEBUG) stderr.write(`${(error as Error).stack}\n`)
    else stderr.write('Run again with DEBUG=1 for details, and please report it.\n')
    return EXIT_FAILED
  }
  progress?.done()
  const elapsed = performance.now() - started
  if (args.json) {
    stdout.write(`${JSON.stringify(withRelativePaths(report, cwd), null, 2)}\n`)
  }
  for (const problem of report.errors) stderr.write(`${formatProblem(problem, cwd)}\n`)
  if (!args.quiet) for (const problem of report.warnings) stderr.write(`${formatProblem(problem, cwd)}\n`)
  if (report.ok && !args.quiet) {
    // Which preset read the posts, and (for `check`) every post left out and why.
    const details = [...formatPreset(report), ...(args.command === 'check' ? formatSkipped(report, cwd) : [])]
    for (const line of details) (args.json ? stderr : stdout).write(`${line}\n`)
  }
  if (!report.ok || !args.quiet) {
    const summary = formatSummary(report, cwd, elapsed, args.command === 'check')
    ;(args.json || !report.ok ? stderr : stdout).write(`${summary}\n`)
  }
  return report.ok ? EXIT_OK : EXIT_FAILED
}

function readVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return packageJson.version
}
