/** Every country the number plans know, as options for the admin console's country pickers. */
import { getCountries } from 'libphonenumber-js/min';
import { regionLabel } from './phone-number.js';

export interface CountryOption {
  value: string;
  label: string;
}

let cached: CountryOption[] | null = null;

/** "United States (+1)" … sorted by name; built once. */
export function countryOptions(): CountryOption[] {
  cached ??= getCountries()
    .map((code) => ({ value: code, label: regionLabel(code) }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return cached;
}
