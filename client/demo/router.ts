import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router'
// The page a first login lands on is in the entry: a lazy chunk would be one more round trip after
// the app's JavaScript, on the slowest network (docs/benchmarks.md#first-login).
import HomePage from './pages/HomePage.vue'

export function createDemoRouter(
  history: RouterHistory = createWebHistory(import.meta.env.BASE_URL),
): Router {
  return createRouter({
    history,
    routes: [
      // Routes without `meta.wechatAuth` need the plugin's default: a silent (snsapi_base) login.
      { path: '/', name: 'home', component: HomePage },
      {
        path: '/profile',
        name: 'profile',
        component: () => import('./pages/ProfilePage.vue'),
        // Nickname and avatar need the user's consent: WeChat shows its authorization page once.
        meta: { wechatAuth: 'userinfo', title: '我的资料' },
      },
      {
        path: '/share',
        name: 'share',
        component: () => import('./pages/SharePage.vue'),
        // A silent login, then the JS-SDK: what a page that shares needs.
        meta: { title: '分享' },
      },
      {
        path: '/login',
        name: 'login',
        component: () => import('./pages/LoginPage.vue'),
        // Desktop sign-in with the embedded QR code; the page itself needs no login.
        meta: { wechatAuth: false, title: '扫码登录' },
      },
      {
        path: '/public',
        name: 'public',
        component: () => import('./pages/PublicPage.vue'),
        meta: { wechatAuth: false, title: '公开页面' },
      },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  })
}
