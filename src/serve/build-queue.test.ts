import { describe, expect, it } from 'vitest'
import { createBuildQueue } from './build-queue.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createBuildQueue', () => {
  it('starts a build at once when idle and shares one follow-up among requests made during it', async () => {
    const started: string[] = []
    const queue = createBuildQueue(
      async (id) => {
        started.push(id)
        await sleep(50)
        return { ok: true }
      },
      { minIntervalMs: 0 },
    )
    const first = queue.request()
    await sleep(5)
    expect(queue.get(first.id)?.status).toBe('running')
    const followUps = [queue.request(), queue.request(), queue.request()]
    expect(new Set(followUps.map((job) => job.id)).size).toBe(1)
    expect(followUps[0]?.status).toBe('queued')
    await queue.settled()
    expect(started).toEqual([first.id, followUps[0]?.id])
    expect(queue.get(first.id)?.status).toBe('done')
  })

  it('starts builds at least minIntervalMs apart, so a burst of requests runs at most two builds', async () => {
    let builds = 0
    const queue = createBuildQueue(
      async () => {
        builds++
        return { ok: true }
      },
      { minIntervalMs: 300 },
    )
    for (let call = 0; call < 10; call++) {
      queue.request()
      await sleep(20)
    }
    await queue.settled()
    expect(builds).toBe(2)
  })

  it('drops the waiting build when asked to settle with cancelPending', async () => {
    let builds = 0
    const queue = createBuildQueue(
      async () => {
        builds++
        await sleep(30)
        return { ok: true }
      },
      { minIntervalMs: 10_000 },
    )
    queue.request()
    await sleep(5)
    const waiting = queue.request()
    const started = Date.now()
    await queue.settled({ cancelPending: true })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(builds).toBe(1)
    expect(queue.get(waiting.id)).toMatchObject({ status: 'failed', error: expect.any(String) })
  })

  it('keeps only the most recent finished jobs for lookup', async () => {
    const queue = createBuildQueue(async () => ({ ok: true }), { minIntervalMs: 0, keepFinished: 2 })
    const ids: string[] = []
    for (let call = 0; call < 4; call++) {
      ids.push(queue.request().id)
      await queue.settled()
    }
    expect(ids.map((id) => queue.get(id) !== undefined)).toEqual([false, true, true, true])
  })
})
