import type { BuildOptions, BuildReport } from '../build.js'
import type { CliArguments } from './args.js'
import { displayPath } from './report.js'

/**
 * The build options every command that builds (build, check, watch, serve)
 * takes from the command line: one place, so a new flag reaches them all.
 */
export function toBuildOptions(args: CliArguments, context: { cwd: string; now?: Date | undefined }): BuildOptions {
  return {
    cwd: context.cwd,
    ...(args.config !== undefined && { config: args.config }),
    ...(args.posts !== undefined && { posts: args.posts }),
    ...(args.out !== undefined && { out: args.out }),
    ...(args.limit !== undefined && { limit: args.limit }),
    ...(args.preset !== undefined && { preset: args.preset }),
    drafts: args.drafts,
    future: args.future,
    strict: args.strict,
    ...(context.now !== undefined && { now: context.now }),
  }
}

/** A report as `--json` and the hook's status page show it: paths relative to the folder kabar runs in. */
export function withRelativePaths(report: BuildReport, cwd: string): BuildReport {
  const relative = (file: string | undefined) => (file === undefined ? undefined : displayPath(file, cwd))
  const problems = (list: BuildReport['errors']) =>
    list.map((problem) => (problem.file === undefined ? problem : { ...problem, file: displayPath(problem.file, cwd) }))
  return {
    ...report,
    configFile: relative(report.configFile),
    postsDir: relative(report.postsDir),
    outDir: relative(report.outDir),
    errors: problems(report.errors),
    warnings: problems(report.warnings),
    ...(report.skipped !== undefined && {
      skipped: report.skipped.map((post) => ({ ...post, file: displayPath(post.file, cwd) })),
    }),
  }
}
