/**
 * A form checked as the user types with the API's own zod schema (src/shared/schemas), so the browser
 * and the server say the same thing about the same value. A field's message shows once the field was
 * left or the form was submitted; the server's answer to a submit (a 400 naming a field, a 409) is shown
 * too, and cleared when the user edits again.
 */
import { computed, ref, watch, type Ref } from 'vue';
import type { z } from 'zod';
import { ApiError } from '../api/client.js';

export function useSchemaForm<S extends z.ZodType>(schema: Ref<S>, payload: () => unknown) {
  const touched = ref(new Set<string>());
  const submitted = ref(false);
  const serverError = ref<string | null>(null);
  const saving = ref(false);

  const parsed = computed(() => schema.value.safeParse(payload()));

  /** The first message for each top-level field. */
  const allErrors = computed<Record<string, string>>(() => {
    const result = parsed.value;
    if (result.success) return {};
    const errors: Record<string, string> = {};
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '_form');
      errors[field] ??= issue.message;
    }
    return errors;
  });

  /** What to show now: the errors of fields the user has left, or all after a submit. */
  const errors = computed<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(allErrors.value).filter(([f]) => submitted.value || touched.value.has(f)),
    ),
  );

  function touch(field: string): void {
    if (touched.value.has(field)) return;
    touched.value = new Set([...touched.value, field]);
  }

  watch(payload, () => (serverError.value = null), { deep: true });

  /** Validates, then runs `send` with the parsed body; returns its result, or null if nothing was sent. */
  async function submit<R>(send: (body: z.output<S>) => Promise<R>): Promise<R | null> {
    submitted.value = true;
    const result = parsed.value;
    if (!result.success) return null;
    saving.value = true;
    serverError.value = null;
    try {
      return await send(result.data);
    } catch (err) {
      serverError.value = err instanceof ApiError ? err.message : String(err);
      return null;
    } finally {
      saving.value = false;
    }
  }

  function reset(): void {
    touched.value = new Set();
    submitted.value = false;
    serverError.value = null;
  }

  return { errors, allErrors, serverError, saving, touch, submit, reset, submitted };
}
