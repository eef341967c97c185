import path from 'node:path'
import type { BuildReport, Problem } from '../build.js'
import type { KabarError } from '../errors.js'

/**
 * The only place problems become text. One line each, as compilers do:
 * `posts/foo.md:3: date "2025-02-30" is not a real date — write it as …`
 */
export function formatProblem(problem: Problem, cwd: string): string {
  const location = problem.file === undefined ? 'kabar' : displayPath(problem.file, cwd)
  const line = problem.line === undefined ? '' : `:${problem.line}`
  const label = problem.severity === 'warning' ? 'warning: ' : ''
  return `${location}${line}: ${label}${problem.message}`
}

export function formatSummary(report: BuildReport, cwd: string, elapsedMs: number, isDryRun: boolean): string {
  const outDir = report.outDir === undefined ? 'dist' : displayPath(report.outDir, cwd)
  if (!report.ok) {
    const count = report.errors.length
    return `kabar: ${count} ${count === 1 ? 'error' : 'errors'}; nothing was written, the feeds in ${outDir}/ are as they were.`
  }
  const items = Object.values(report.feeds)[0] ?? 0
  const skipped = [
    report.posts.drafts > 0 ? `${report.posts.drafts} draft${report.posts.drafts === 1 ? '' : 's'}` : '',
    report.posts.future > 0 ? `${report.posts.future} future` : '',
    (report.posts.excluded ?? 0) > 0 ? `${report.posts.excluded} excluded` : '',
  ].filter(Boolean)
  const postsLine = `${report.posts.published} posts${skipped.length > 0 ? ` (${skipped.join(', ')} skipped)` : ''}, ${items} per feed`
  if (isDryRun) return `kabar check: ${postsLine}; nothing written.`
  const written = report.written.length > 0 ? `wrote ${listFiles(report.written)}` : ''
  const unchanged = report.unchanged.length > 0 ? `${listFiles(report.unchanged)} unchanged` : ''
  return `kabar: ${postsLine}; ${[written, unchanged].filter(Boolean).join('; ')} in ${outDir}/ (${Math.round(elapsedMs)} ms)`
}

/** Which generator's conventions the posts were read with, when a preset was used. */
export function formatPreset(report: BuildReport): string[] {
  if (report.preset === undefined) return []
  const name = PRESET_LABELS[report.preset.name] ?? report.preset.name
  return [`kabar: posts read as ${name} reads them (${report.preset.reason}); --preset none turns this off`]
}

const PRESET_LABELS: Readonly<Record<string, string>> = {
  jekyll: 'Jekyll',
  hugo: 'Hugo',
  eleventy: 'Eleventy',
  astro: 'Astro',
}

/** One line per post that is not in the feeds, with why: `posts/x.md: skipped: a draft — …`. */
export function formatSkipped(report: BuildReport, cwd: string): string[] {
  return (report.skipped ?? []).map((post) => `${displayPath(post.file, cwd)}: skipped: ${post.message}`)
}

/** A problem found outside a build (`kabar ping`, `kabar links`), as the report shows it. */
export function problemFromError(error: KabarError): Problem {
  const problem: Problem = { severity: error.severity, code: error.code, message: error.message }
  if (error.file !== undefined) problem.file = error.file
  if (error.line !== undefined) problem.line = error.line
  if (error.field !== undefined) problem.field = error.field
  return problem
}

/** Tag feeds and archive pages can make hundreds of files: name the first few, count the rest. */
function listFiles(names: readonly string[]): string {
  const shown = 6
  if (names.length <= shown + 1) return names.join(' ')
  return `${names.slice(0, shown).join(' ')} and ${names.length - shown} more files`
}

/** Paths inside `cwd` are shown relative to it, others absolute. */
export function displayPath(filePath: string, cwd: string): string {
  const relative = path.relative(cwd, filePath)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative.split(path.sep).join('/')
    : filePath
}
