/**
 * Routes and the auth guard: every page but /login needs a session; /login sends a logged-in user on;
 * /admin/... is for admins only.
 */
import { createRouter, createWebHistory, type Router } from 'vue-router';
import { safeRedirect } from './lib/safe-redirect.js';
import { useSessionStore } from './stores/session.js';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Document title. */
    title?: string;
    /** Admins only: anyone else is sent to the dialer (the server answers 403 to them anyway). */
    admin?: boolean;
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
      {
        // The admin console: one lazily loaded chunk the dialer never downloads.
        path: '/admin',
        component: () => import('./views/admin/AdminLayout.vue'),
        meta: { admin: true },
        children: [
          { path: '', redirect: { name: 'admin-connections' } },
          {
            path: 'connections',
            name: 'admin-connections',
            component: () => import('./views/admin/AdminConnectionsView.vue'),
            meta: { title: 'Admin · Connections' },
          },
          {
            path: 'numbers',
            name: 'admin-numbers',
            component: () => import('./views/admin/AdminNumbersView.vue'),
            meta: { title: 'Admin · Numbers' },
          },
          {
            path: 'users',
            name: 'admin-users',
            component: () => import('./views/admin/AdminUsersView.vue'),
            meta: { title: 'Admin · Users' },
          },
          {
            path: 'telnyx',
            name: 'admin-telnyx',
            component: () => import('./views/admin/AdminTelnyxView.vue'),
            meta: { title: 'Admin · Telnyx' },
          },
          {
            path: 'audit',
            name: 'admin-audit',
            component: () => import('./views/admin/AdminAuditView.vue'),
            meta: { title: 'Admin · Audit log' },
          },
        ],
      },
      {
        // One connection's health: admins any, agents their own (the server answers 404 otherwise).
        // Its own chunk with the charting library, which the dialer never downloads.
        path: '/connections/:id/health',
        name: 'connection-health',
        component: () => import('./views/ConnectionHealthView.vue'),
        meta: { title: 'Connection health' },
      },
      {
        path: '/analytics',
        name: 'analytics',
        component: () => import('./views/AnalyticsView.vue'),
        meta: { title: 'Analytics' },
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
    if (to.matched.some((r) => r.meta.admin) && session.user?.role !== 'admin') return { name: 'dialer' };
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Dialer` : 'Dialer';
  });

  return router;
}
