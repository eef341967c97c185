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
   * Asks for a build and returns its job at once. Requests share the job
   * that has not started yet, so however many arrive while a build runs,
   * one build follows it, and that build sees every change made before it.
   */
  request(): BuildJob<Report>
  /** A copy of the job with this id, while it is among the recent ones. */
  get(id: string): BuildJob<Report> | undefined
  /** Resolves when no build is running or waiting; drops the waiting one when `cancelPending`. */
  settled(options?: { cancelPending?: boolean }): Promise<void>
}

export interface BuildQueueOptions {
  /** Least time between the starts of two builds, in ms. Default 1000. */
  minIntervalMs?: number
  /** How many finished jobs stay available for lookup. Default 100. */
  keepFinished?: number
}

/**
 * Runs `runBuild` (given the job's id, for its log) one at a time, coalescing
 * requests. Builds start at least `minIntervalMs` apart: a fast build would
 * otherwise let a burst of calls (a script pushing ten commits) run a build
 * for each.
 */
export function createBuildQueue<Report extends { ok: boolean }>(
  runBuild: (id: string) => Promise<Report>,
  options: BuildQueueOptions = {},
): BuildQueue<Report> {
  const minIntervalMs = options.minIntervalMs ?? 1000
  const keepFinished = options.keepFinished ?? 100
  const jobs = new Map<string, BuildJob<Report>>()
  /** The job requests join until it starts. */
  let pending: BuildJob<Report> | undefined
  let draining: Promise<void> | undefined
  let lastStartedAt = Number.NEGATIVE_INFINITY
  let interval: { timer: NodeJS.Timeout; wake: () => void } | undefined

  function request(): BuildJob<Report> {
    if (pending !== undefined) return { ...pending }
    const job: BuildJob<Report> = { id: randomUUID(), status: 'queued', requestedAt: new Date().toISOString() }
    jobs.set(job.id, job)
    forgetOldJobs()
    pending = job
    draining ??= drain()
    return { ...job }
  }

  async function drain(): Promise<void> {
    while (pending !== undefined) {
      await waitForInterval()
      const job = pending
      pending = undefined
      if (job === undefined) break
      lastStartedAt = Date.now()
      await execute(job)
    }
    draining = undefined
  }

  function waitForInterval(): Promise<void> {
    const delay = lastStartedAt + minIntervalMs - Date.now()
    return new Promise<void>((resolve) => {
      if (delay <= 0) return resolve()
      interval = { timer: setTimeout(resolve, delay), wake: resolve }
    }).then(() => {
      interval = undefined
    })
  }

  async function execute(job: BuildJob<Report>): Promise<void> {
    job.status = 'running'
    job.startedAt = new Date().toISOString()
    try {
      const report = await runBuild(job.id)
      job.report = report
      job.status = report.ok ? 'done' : 'failed'
    } catch (error) {
      job.error = (error as Error).message
      job.status = 'failed'
    }
    job.finishedAt = new Date().toISOString()
  }

  function forgetOldJobs(): void {
    const finished = [...jobs.values()].filter((job) => job.status === 'done' || job.status === 'failed')
    for (const job of finished.slice(0, Math.max(0, finished.length - keepFinished))) jobs.delete(job.id)
  }

  async function settled(settleOptions: { cancelPending?: boolean } = {}): Promise<void> {
    if (settleOptions.cancelPending === true && pending !== undefined) {
      pending.status = 'failed'
      pending.error = 'the server stopped before this build could start'
      pending.finishedAt = new Date().toISOString()
      pending = undefined
      if (interval !== undefined) {
        clearTimeout(interval.timer)
        interval.wake()
      }
    }
    while (draining !== undefined) await draining
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
