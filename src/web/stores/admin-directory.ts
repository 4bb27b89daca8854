/**
 * The admin console's pick lists: every user (owner pickers, "who" filters) and every connection
 * (assignment pickers, connection filters), by id and name. Loaded on first use, refreshed after the
 * console changes users or connections, forgotten when the signed-in user changes (by the store itself:
 * the admin console loads it, the dialer never does, so useUserScope does not know it and the dialer's
 * page does not download the admin API).
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { UserDto } from '../../shared/api.js';
import type { AdminTrunkDto } from '../../shared/admin-api.js';
import { admin } from '../api/admin.js';
import { ApiError } from '../api/client.js';
import { useSessionStore } from './session.js';

/** The API's largest page: a team with more users or connections than this picks by typing. */
const PICK_LIST_SIZE = 500;

export const useAdminDirectoryStore = defineStore('adminDirectory', () => {
  const users = ref<UserDto[]>([]);
  const trunks = ref<AdminTrunkDto[]>([]);
  const error = ref<string | null>(null);
  let usersLoad: Promise<void> | null = null;
  let trunksLoad: Promise<void> | null = null;
  let generation = 0;

  const userName = computed(() => {
    const byId = new Map(users.value.map((u) => [u.id, u.name]));
    return (id: string | null | undefined) => (id ? (byId.get(id) ?? 'Unknown user') : '—');
  });

  function fail(err: unknown): void {
    error.value = err instanceof ApiError ? err.message : 'The pick lists could not be loaded.';
  }

  function loadUsers(force = false): Promise<void> {
    if (usersLoad && !force) return usersLoad;
    const mine = generation;
    usersLoad = admin.users
      .list({ pageSize: PICK_LIST_SIZE })
      .then((page) => {
        if (mine === generation) users.value = page.items;
      })
      .catch((err: unknown) => {
        usersLoad = null;
        fail(err);
      });
    return usersLoad;
  }

  function loadTrunks(force = false): Promise<void> {
    if (trunksLoad && !force) return trunksLoad;
    const mine = generation;
    trunksLoad = admin.trunks
      .list({ pageSize: PICK_LIST_SIZE })
      .then((page) => {
        if (mine === generation) trunks.value = page.items;
      })
      .catch((err: unknown) => {
        trunksLoad = null;
        fail(err);
      });
    return trunksLoad;
  }

  function reset(): void {
    generation++;
    users.value = [];
    trunks.value = [];
    error.value = null;
    usersLoad = null;
    trunksLoad = null;
  }

  // `sync`, as in useUserScope: nothing of one admin's lists renders for the next user.
  const session = useSessionStore();
  watch(() => session.user?.id ?? null, reset, { flush: 'sync' });

  return { users, trunks, error, userName, loadUsers, loadTrunks, reset };
});
