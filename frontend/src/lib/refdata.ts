// Reference data shared by several screens (organizations, Program measures),
// fetched once per page load. Neither carries personal data.
import { useEffect, useState } from 'react';
import { api, type Page } from './api';
import { fetchAll } from './paged';
import type { Measure, Organization } from './types';

let orgs: Promise<Organization[]> | null = null;
let measures: Promise<Measure[]> | null = null;

/** Forgets the cached organizations (after an admin changed one). */
export function invalidateOrganizations(): void {
  orgs = null;
}

function useCached<T>(get: () => Promise<T>, fallback: T): T {
  const [v, setV] = useState<T>(fallback);
  useEffect(() => {
    let live = true;
    get().then(
      (x) => {
        if (live) setV(x);
      },
      () => {
        /* shown as codes */
      },
    );
    return () => {
      live = false;
    };
  }, [get]);
  return v;
}

const getOrgs = () => {
  orgs ??= fetchAll<Organization>('/organizations').catch((e) => {
    orgs = null;
    throw e;
  });
  return orgs;
};
const getMeasures = () => {
  measures ??= api<Page<Measure>>('/measures')
    .then((p) => p.items)
    .catch((e) => {
      measures = null;
      throw e;
    });
  return measures;
};
const EMPTY_O: Organization[] = [];
const EMPTY_M: Measure[] = [];

export function useOrganizations(): Organization[] {
  return useCached(getOrgs, EMPTY_O);
}
export function useMeasures(): Measure[] {
  return useCached(getMeasures, EMPTY_M);
}
