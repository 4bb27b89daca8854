/** Where to go after login: only a path of this app, never another origin (`//evil.example`, `https:`). */
export function safeRedirect(redirect: unknown): string {
  return typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//')
    ? redirect
    : '/';
}
