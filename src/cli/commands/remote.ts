import { readRemoteSettings, setRemote } from '../../main/engine/sync/remote-settings';
import { jsonOption, withDatabase, type Command } from '../command';

export const remoteCommand: Command = {
  name: 'remote',
  summary: 'Show or set where the database syncs: a folder (Dropbox, iCloud, Syncthing, USB) or s3://bucket/prefix',
  usage: 'tidemark remote <db> [<folder | s3://bucket/prefix>] [--endpoint URL] [--region R] [--path-style] [--encrypt] [--json]',
  options: { endpoint: { type: 'string' }, region: { type: 'string' }, 'path-style': { type: 'boolean' }, encrypt: { type: 'boolean' }, ...jsonOption },
  args: { min: 1, max: 2 },
  async run({ args, flags, out }) {
    await withDatabase(args[0]!, async (db) => {
      const url = args[1];
      const settings = url
        ? await setRemote(db, url, {
            endpoint: flags.endpoint as string | undefined,
            region: flags.region as string | undefined,
            pathStyle: flags['path-style'] === true ? true : undefined,
            encrypt: flags.encrypt === true,
          })
        : readRemoteSettings(db);
      if (flags.json) {
        return out.json(
          settings
            ? { url: settings.url, kind: settings.config.kind, endpoint: settings.endpoint ?? null, region: settings.region ?? null, path_style: settings.pathStyle ?? null, encrypt: settings.encrypt ?? false }
            : null,
        );
      }
      if (!settings) return out.line(`No remote yet. Set one: tidemark remote ${args[0]} <folder or s3://bucket/prefix>`);
      const extras = [settings.endpoint && `endpoint ${settings.endpoint}`, settings.region && `region ${settings.region}`, settings.pathStyle && 'path-style', settings.encrypt && 'end-to-end encrypted']
        .filter(Boolean)
        .join(', ');
      out.line(`${url ? 'Remote set to' : 'Remote:'} ${settings.url}${extras ? ` (${extras})` : ''}`);
    });
  },
};
