import { createRouter, createWebHistory, type Router } from 'vue-router'

export function createDemoRouter(): Router {
  return createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes: [
      // Routes without `meta.wechatAuth` need the plugin's default: a silent (snsapi_base) login.
      { path: '/', name: 'home', component: () => import('./pages/HomePage.vue') },
      {
        path: '/profile',
        name: 'profile',
        component: () => import('./pages/ProfilePage.vue'),
        // Nickname and avatar need the user's consent: WeChat shows its authorization page once.
        meta: { wechatAuth: 'userinfo', title: '我的资料' },
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
