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
