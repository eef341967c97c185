import { randomUUID } from 'node:crypto'

export type BuildStatus = 'queued' | 'running' | 'done' | 'failed'

/** One requested build, as `GET /hooks/rebuild/<id>` shows it. */
export interface BuildJob<Report> {
  /** Random, so only whoever triggered the build can look it up. */
  id: string
  status: BuildStatus
  requestedAt: string
  startedAt?: string
  finishedAt?: string
  /** The build's report once it finished. */
  report?: Report
  /** Set when the build itself crashed (a bug, not a bad post). */
  error?: string
}

export interface BuildQueue<Report> {
  /**
   * Asks for a build and returns its job at once. With no build running it
   * starts now; while one runs, every request shares a single follow-up
   * build, which starts when the running one ends and so sees every change.
   */
  request(): BuildJob<Report>
  /** A copy of the job with this id, while it is among the recent ones. */
  get(id: string): BuildJob<Report> | undefined
  /** Resolves when no build is running or waiting; drops the waiting one when `cancelPending`. */
  settled(options?: { cancelPending?: boolean }): Promise<void>
}

export interface BuildQueueOptions<Report> {
  /** How many finished jobs stay available for lookup. Default 100. */
  keepFinished?: number
  /** Called after each build with its final job. */
  onSettled?: (job: BuildJob<Report>) => void
  /** The clock; tests fix it. */
  now?: () => Date
}

/**
 * Runs `runBuild` one at a time, coalescing requests: however many arrive
 * during a build, at most one more build follows it.
 */
export function createBuildQueue<Report extends { ok: boolean }>(
  runBuild: () => Promise<Report>,
  options: BuildQueueOptions<Report> = {},
): BuildQueue<Report> {
  const keepFinished = options.keepFinished ?? 100
  const now = options.now ?? (() => new Date())
  const jobs = new Map<string, BuildJob<Report>>()
  let running: Promise<void> | undefined
  let pending: BuildJob<Report> | undefined

  function request(): BuildJob<Report> {
    if (pending !== undefined) return { ...pending }
    const job: BuildJob<Report> = { id: randomUUID(), status: 'queued', requestedAt: now().toISOString() }
    jobs.set(job.id, job)
    forgetOldJobs()
    if (running === undefined) start(job)
    else pending = job
    return { ...job }
  }

  function start(job: BuildJob<Report>): void {
    running = execute(job).then(() => {
      running = undefined
      const next = pending
      pending = undefined
      if (next !== undefined) start(next)
    })
  }

  async function execute(job: BuildJob<Report>): Promise<void> {
    job.status = 'running'
    job.startedAt = now().toISOString()
    try {
      const report = await runBuild()
      job.report = report
      job.status = report.ok ? 'done' : 'failed'
    } catch (error) {
      job.error = (error as Error).message
      job.status = 'failed'
    }
    job.finishedAt = now().toISOString()
    options.onSettled?.({ ...job })
  }

  function forgetOldJobs(): void {
    const finished = [...jobs.values()].filter((job) => job.status === 'done' || job.status === 'failed')
    for (const job of finished.slice(0, Math.max(0, finished.length - keepFinished))) jobs.delete(job.id)
  }

  async function settled(settleOptions: { cancelPending?: boolean } = {}): Promise<void> {
    if (settleOptions.cancelPending === true && pending !== undefined) {
      pending.status = 'failed'
      pending.error = 'the server stopped before this build could start'
      pending = undefined
    }
    while (running !== undefined) await running
  }

  return {
    request,
    get: (id) => {
      const job = jobs.get(id)
      return job === undefined ? undefined : { ...job }
    },
    settled,
  }
}
