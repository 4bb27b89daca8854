/**
 * The entry: starts the requests the dialer needs (the session, the connection list, the SIP stack of
 * the connection it will select) before the app's code has loaded, then loads the app. Kept tiny, so the
 * browser runs it as soon as the HTML arrives; the app (app.ts) evaluates while the server answers.
 */
import { startEarlyRequests } from './api/early-requests.js';

startEarlyRequests(window.location.pathname);
void import('./app.js');
