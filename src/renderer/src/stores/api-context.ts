// The Api for the few components that ask main something directly (e.g. the
// Open dialog's look at a path); everything else goes through the stores.

import { createContext, useContext } from 'react';
import type { Api } from '../../../shared/bridge';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('ApiContext is missing');
  return api;
}
