/** Opens when the server answers 401: asks for an API key, keeps it in sessionStorage only, retries the queries. */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { getApiKey, onAuthRequired, setApiKey } from '../api/client';
import { Dialog } from './ui';

export function ApiKeyDialog() {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState('');
  const qc = useQueryClient();
  useEffect(() => onAuthRequired(() => setOpen(true)), []);
  return (
    <Dialog open={open} title="API key required" onClose={() => setOpen(false)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setApiKey(key.trim() || null);
          setOpen(false);
          setKey('');
          void qc.invalidateQueries();
        }}
      >
        <p className="muted mb-3 text-sm">
          This server needs an API key. It is kept for this browser tab only (session storage) and sent as <code>Authorization: Bearer</code>.
          {getApiKey() ? ' The key in use was refused.' : ''}
        </p>
        <label className="label" htmlFor="api-key">
          API key
        </label>
        <input id="api-key" className="input font-mono" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="btn" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!key.trim()}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
