import vm from 'node:vm'

/**
 * Runs synchronous work with a time budget. remark's parser (micromark) is
 * quadratic on some inputs: 80 KB of `a*a*a*…` or 200 KB of one-line quotes
 * takes a minute, so no size limit bounds a build's time. JavaScript cannot
 * interrupt itself, but V8 can interrupt it from outside: `vm`'s `timeout`
 * stops whatever runs inside the script, functions from this realm included.
 */

export type TimeLimitResult<T> = { ok: true; value: T } | { ok: false }

let context: vm.Context | undefined
let script: vm.Script | undefined

/** Runs `task`; `{ ok: false }` when it ran longer than `milliseconds` and was stopped. */
export function runWithTimeLimit<T>(task: () => T, milliseconds: number): TimeLimitResult<T> {
  context ??= vm.createContext({ task: undefined })
  script ??= new vm.Script('task()')
  context.task = task
  try {
    return { ok: true, value: script.runInContext(context, { timeout: milliseconds }) as T }
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { ok: false }
    throw error
  } finally {
    context.task = undefined
  }
}

/**
 * Runs `task` on each item, each with `milliseconds` to finish: `{ ok: false }`
 * for an item that ran longer and was stopped. A time-limited call starts a
 * watchdog thread, which costs about as much as a small task, so the items
 * run in one call with the budget of one item; when time runs out, the item
 * that was running may have started late, so it runs again on its own with
 * the whole budget, and the rest go on in a new call.
 */
export function runEachWithTimeLimit<T, R>(
  items: readonly T[],
  task: (item: T) => R,
  milliseconds: number,
): TimeLimitResult<R>[] {
  const results: TimeLimitResult<R>[] = new Array(items.length)
  let next = 0
  // Each result is stored before `next` moves on: stopped in between, an item runs again and is stored again.
  const runRest = () => {
    while (next < items.length) {
      results[next] = { ok: true, value: task(items[next] as T) }
      next++
    }
  }
  while (next < items.length) {
    if (runWithTimeLimit(runRest, milliseconds).ok || next === items.length) break
    const item = items[next] as T
    results[next] = runWithTimeLimit(() => task(item), milliseconds)
    next++
  }
  return results
}
