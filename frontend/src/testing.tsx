// What the component tests share: rendering inside the app's language
// provider, and a browser whose language is Kyrgyz for each test of a suite.
import { afterEach, beforeEach, vi } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactElement } from 'react';
import { I18nProvider } from './i18n';
import { DICTS } from './i18n/dict';

export const KY = DICTS.ky;

/** The browser's language for the rest of the test (restored after each test of a suite using kyrgyzBrowser). */
export function browserLanguage(tag: string): void {
  vi.stubGlobal('navigator', { languages: [tag], language: tag });
}

/** Each test of the calling suite runs in a browser set to Kyrgyz. */
export function kyrgyzBrowser(): void {
  beforeEach(() => browserLanguage('ky-KG'));
  afterEach(() => {
    vi.unstubAllGlobals();
  });
}

/** The element rendered to HTML in the app's language provider (effects do not run: nothing is fetched). */
export function render(el: ReactElement): string {
  return renderToStaticMarkup(<I18nProvider>{el}</I18nProvider>);
}
