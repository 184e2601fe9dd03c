// React access to the stores: one set per app, provided at the root.

import { createContext, useContext } from 'react';
import type { Stores } from './index';

export const StoresContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('StoresContext is missing');
  return stores;
}
