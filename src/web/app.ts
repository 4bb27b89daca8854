/** The app: Vue, Pinia, the router and PrimeVue, mounted on #app (main.ts loads it). */
import { createPinia } from 'pinia';
import PrimeVue from 'primevue/config';
import ToastService from 'primevue/toastservice';
import { createApp } from 'vue';
import 'primeicons/primeicons.css';
import App from './App.vue';
import { api } from './api/client.js';
import { letEscapeCloseDialogs } from './lib/dialog-escape.js';
import { createAppRouter } from './router.js';
import { useSessionStore } from './stores/session.js';
import './styles/app.css';
import { DialerTheme } from './theme.js';

// Moments the phone benchmark reads (bench/phone.bench.ts): where page-open time goes.
performance.mark('dialer:app-evaluated');
const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);
app.use(PrimeVue, {
  theme: {
    preset: DialerTheme,
    // Light only for now; the layer lets the app's own CSS override component styles without !important.
    options: { darkModeSelector: false, cssLayer: { name: 'primevue', order: 'primevue' } },
  },
});
app.use(ToastService);

// Any request made inside a session that answers 401 means the session expired or was revoked.
api.onSessionLost(() => {
  const session = useSessionStore();
  if (!session.isAuthenticated) return;
  session.expire(); // the user's data is forgotten by useUserScope, as on every change of user
  const current = router.currentRoute.value;
  void router.replace({
    name: 'login',
    query: current.name && current.name !== 'login' ? { redirect: current.fullPath } : {},
  });
});

letEscapeCloseDialogs(document);
app.mount('#app');
performance.mark('dialer:app-mounted');
