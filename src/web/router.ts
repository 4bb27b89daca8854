/** Routes and the auth guard: every page but /login needs a session; /login sends a logged-in user on. */
import { createRouter, createWebHistory, type Router } from 'vue-router';
import { safeRedirect } from './lib/safe-redirect.js';
import { useSessionStore } from './stores/session.js';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Document title. */
    title?: string;
  }
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      {
        path: '/login',
        name: 'login',
        component: () => import('./views/LoginView.vue'),
        meta: { public: true, title: 'Log in' },
      },
      {
        path: '/',
        name: 'dialer',
        component: () => import('./views/DialerView.vue'),
        meta: { title: 'Dialer' },
      },
      {
        // Click to call: the browser opens tel:/sip: links here (registerProtocolHandler, lib/click-to-call).
        path: '/dial',
        name: 'dial',
        redirect: (to) => ({
          name: 'dialer',
          query: typeof to.query.to === 'string' ? { to: to.query.to } : {},
        }),
      },
      {
        path: '/history',
        name: 'history',
        component: () => import('./views/CallHistoryView.vue'),
        meta: { title: 'Call history' },
      },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    await session.ensureChecked();
    if (to.meta.public) {
      if (session.isAuthenticated && to.name === 'login') return safeRedirect(to.query.redirect);
      return true;
    }
    if (!session.isAuthenticated) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Dialer` : 'Dialer';
  });

  return router;
}
