import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';
import Negotiator from 'negotiator';
import { formatDate } from '../time.ts';

export const locales = ['en', 'cy', 'ms'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'en';

/** Each language's own name, shown in the switcher whatever the page language is. */
export const localeNames: Record<Locale, string> = { en: 'English', cy: 'Cymraeg', ms: 'Bahasa Melayu' };

/** Intl locale used for dates and numbers in each language. */
export const intlLocales: Record<Locale, string> = { en: 'en-GB', cy: 'cy-GB', ms: 'ms-MY' };

export const catalogueDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

export type Catalogue = { [key: string]: string | Catalogue };

/** A language's catalogue: locales/<locale>/<section>.json, each file under its section's key. */
export function loadCatalogue(locale: Locale): Catalogue {
  const directory = path.join(catalogueDirectory, locale);
  const catalogue: Catalogue = {};
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    catalogue[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as Catalogue;
  }
  return catalogue;
}

const translator = i18next.createInstance();
await translator.init({
  resources: Object.fromEntries(locales.map((locale) => [locale, { translation: loadCatalogue(locale) }])),
  lng: defaultLocale,
  fallbackLng: defaultLocale,
  supportedLngs: [...locales],
  // Nunjucks escapes output; escaping here as well would show &amp; to users.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
// `{{date, date}}` in a message shows a stored ISO date as the reader's language writes it, for
// messages built where the reader's language is not known (e.g. `$t(key, {"date": "2026-11-30"})`).
translator.services.formatter?.add('date', (value, lng) => formatDate(value as string, isLocale(lng) ? lng : defaultLocale));

export type Translate = TFunction;

export function translatorFor(locale: Locale): Translate {
  return translator.getFixedT(locale);
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** Picks a supported language from an Accept-Language header. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return defaultLocale;
  const preferred = new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language([...locales]);
  return isLocale(preferred) ? preferred : defaultLocale;
}

/** Every key in a catalogue, dotted: `auth.signIn.title`. */
export function catalogueKeys(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : catalogueKeys(value, `${prefix}${key}.`),
  );
}
