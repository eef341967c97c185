import type { BuildProgress } from '../build.js'

/**
 * A progress bar on stderr for builds that take a while: drawn only on a
 * terminal, only once the build has run for a second (most never do), at
 * most ten times a second, and wiped before the summary is printed.
 */

/** Builds shorter than this show no bar at all. */
const SHOW_AFTER_MS = 1000
const REDRAW_EVERY_MS = 100
const BAR_WIDTH = 24

export interface ProgressBar {
  update(progress: BuildProgress): void
  /** Wipes the bar, if one was drawn. */
  done(): void
}

export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
}

/** A bar on `stream`, or one that draws nothing when `stream` is not a terminal. */
export function createProgressBar(stream: ProgressStream, clock: () => number = () => performance.now()): ProgressBar {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined }
  const started = clock()
  let drawnAt: number | undefined
  return {
    update(progress) {
      const now = clock()
      if (now - started < SHOW_AFTER_MS || (drawnAt !== undefined && now - drawnAt < REDRAW_EVERY_MS)) return
      drawnAt = now
      stream.write(`\r\x1b[K${formatProgress(progress)}`)
    },
    done() {
      if (drawnAt !== undefined) stream.write('\r\x1b[K')
    },
  }
}

/** `kabar: rendering [######------------------]  25% 2,500/10,000 posts` */
export function formatProgress({ phase, done, total }: BuildProgress): string {
  const share = total === 0 ? 1 : Math.min(1, done / total)
  const filled = Math.round(share * BAR_WIDTH)
  const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`
  const percent = `${Math.floor(share * 100)}%`.padStart(4)
  const verb = phase === 'read' ? 'reading  ' : 'rendering'
  return `kabar: ${verb} [${bar}] ${percent} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} posts`
}
