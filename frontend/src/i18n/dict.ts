// The app's languages and their dictionaries. en.ts defines the keys; ru.ts
// and ky.ts translate every one of them (the type Messages enforces it). A
// Kyrgyz string may equal its Russian one only when listed in KY_SAME_AS_RU
// (names and codes).

import { en, type Key, type Messages } from './en';
import { ky } from './ky';
import { ru } from './ru';

export type { Key, Messages };

export const LANGS = ['ru', 'ky', 'en'] as const;
export type Lang = (typeof LANGS)[number];

/** Keys whose Kyrgyz string may equal the Russian one: names and codes. */
export const KY_SAME_AS_RU: ReadonlySet<Key> = new Set<Key>(['app.name', 'lang.ru', 'lang.ky', 'lang.en']);

export const DICTS: Record<Lang, Messages> = { en, ru, ky };
