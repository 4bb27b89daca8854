/**
 * Escape closes a dialog from any control inside it. PrimeVue's Select stops every Escape it sees,
 * also when its list is closed (its own code marks that as a to-do), so once a select in a dialog had
 * focus, Escape no longer reached the dialog's listener on the document. This hands such an Escape on:
 * a select with its list open still gets it (the first Escape closes the list, as expected).
 */
export function letEscapeCloseDialogs(doc: Document): () => void {
  const onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.isComposing || !(event.target instanceof Element)) return;
    const combo = event.target.closest('[role="combobox"]');
    if (!combo || combo.getAttribute('aria-expanded') === 'true' || !combo.closest('[role="dialog"]')) return;
    event.stopPropagation();
    // The dialog listens on the document itself: a fresh Escape there closes it, as from a button.
    doc.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }));
  };
  doc.addEventListener('keydown', onKeydown, { capture: true });
  return () => doc.removeEventListener('keydown', onKeydown, { capture: true });
}
