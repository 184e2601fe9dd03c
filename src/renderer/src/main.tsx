import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { api } from './api';
import { App } from './app';
import { ApiContext } from './stores/api-context';
import { StoresContext } from './stores/context';
import { createStores } from './stores';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/overlays.css';
import './styles/lists.css';
import './features/databases/databases.css';
import './features/data/data.css';
import './features/history/history.css';
import './features/history/detail.css';
import './features/sync/sync.css';
import './features/replicas/replicas.css';
import './features/conflicts/conflicts.css';

const stores = createStores(api, window.localStorage);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiContext.Provider value={api}>
      <StoresContext.Provider value={stores}>
        <App />
      </StoresContext.Provider>
    </ApiContext.Provider>
  </StrictMode>,
);
