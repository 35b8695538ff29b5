import type { NavigationGuard } from 'vue-router'
import { useRuntime } from './runtime'

/**
 * The router guard: `router.beforeEach(createWechatAuthGuard())`. It completes a login whose callback
 * is in the URL, lets through routes whose requirement is met, and otherwise goes to WeChat. It never
 * goes to WeChat again after a failure (status `error`/`denied`): that is what `login()` is for.
 */
export function createWechatAuthGuard(): NavigationGuard {
  return (to) => useRuntime().guard(to)
}
