/** Who is logged in, their CSRF token, and why they were sent back to the login page. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { SessionDto, UserDto } from '../../shared/api.js';
import { ErrorCode } from '../../shared/errors.js';
import { ApiError, api as defaultApi, type ApiClient } from '../api/client.js';
import { takeEarlySession } from '../api/early-requests.js';

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired, please log in again.';

export const useSessionStore = defineStore('session', () => {
  const client: ApiClient = defaultApi;
  const user = ref<UserDto | null>(null);
  const expiresAt = ref<string | null>(null);
  /** Shown on the login page: why the user is there (expired session, logged out). */
  const notice = ref<string | null>(null);
  /** The first GET /api/auth/me has answered (the router waits for it). */
  const checked = ref(false);
  let checking: Promise<void> | null = null;

  const isAuthenticated = computed(() => user.value !== null);
  const defaultCountry = computed(() => user.value?.defaultCountry ?? 'US');

  function apply(session: SessionDto): void {
    user.value = session.user;
    expiresAt.value = session.expiresAt;
    client.setCsrfToken(session.csrfToken);
  }

  function clear(): void {
    user.value = null;
    expiresAt.value = null;
    client.setCsrfToken(null);
  }

  /** Restores a session from the cookie once per page load. */
  function ensureChecked(): Promise<void> {
    if (checked.value) return Promise.resolve();
    // The entry asked already (main.ts), while the app's code was loading.
    checking ??= (takeEarlySession() ?? client.me())
      .then(apply)
      .catch((err: unknown) => {
        clear();
        if (err instanceof ApiError && err.code === ErrorCode.SessionExpired)
          notice.value = SESSION_EXPIRED_MESSAGE;
        else if (err instanceof ApiError && !err.isUnauthenticated) notice.value = err.message;
      })
      .finally(() => {
        checked.value = true;
        checking = null;
      });
    return checking;
  }

  /** Throws ApiError (INVALID_CREDENTIALS, RATE_LIMITED, …) for the login form to show. */
  async function login(email: string, password: string): Promise<void> {
    const session = await client.login(email, password);
    apply(session);
    notice.value = null;
    checked.value = true;
  }

  async function logout(): Promise<void> {
    try {
      await client.logout();
    } finally {
      clear();
      notice.value = 'You have logged out.';
    }
  }

  /** A request inside the session answered 401: forget the user and say why on the login page. */
  function expire(): void {
    clear();
    notice.value = SESSION_EXPIRED_MESSAGE;
  }

  return {
    user,
    expiresAt,
    notice,
    checked,
    isAuthenticated,
    defaultCountry,
    ensureChecked,
    login,
    logout,
    expire,
  };
});
