import { describe, expect, it } from 'vitest'
import { runEachWithTimeLimit, runWithTimeLimit } from './time-limit.js'

describe('runWithTimeLimit', () => {
  it('returns what the task returns when it finishes in time', () => {
    expect(runWithTimeLimit(() => 'done', 1000)).toEqual({ ok: true, value: 'done' })
  })

  it('stops a synchronous loop that never ends', () => {
    const started = Date.now()
    const result = runWithTimeLimit(() => {
      for (;;) {}
    }, 100)
    expect(result).toEqual({ ok: false })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('passes the task’s own errors through', () => {
    expect(() =>
      runWithTimeLimit(() => {
        throw new TypeError('broken')
      }, 1000),
    ).toThrow(TypeError)
  })
})

describe('runEachWithTimeLimit', () => {
  const busy = (milliseconds: number) => {
    const until = Date.now() + milliseconds
    while (Date.now() < until) {}
    return milliseconds
  }

  it('gives each item the whole budget, however late in the batch it starts', () => {
    // Together they take twice the budget; none of them alone comes near it (a loaded machine
    // preempts the thread and delays the watchdog, so the margin is wide).
    expect(runEachWithTimeLimit([100, 100, 100, 100, 100], busy, 250)).toEqual(
      Array.from({ length: 5 }, () => ({ ok: true, value: 100 })),
    )
  })

  it('stops only the item that runs too long, and goes on with the rest', () => {
    const started = Date.now()
    const results = runEachWithTimeLimit(
      [1, 2, 'forever', 3],
      (item) => {
        if (item === 'forever') for (;;) {}
        return item
      },
      100,
    )
    expect(results).toEqual([{ ok: true, value: 1 }, { ok: true, value: 2 }, { ok: false }, { ok: true, value: 3 }])
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('passes the task’s own errors through', () => {
    expect(() =>
      runEachWithTimeLimit(
        [1],
        () => {
          throw new TypeError('broken')
        },
        1000,
      ),
    ).toThrow(TypeError)
  })
})
