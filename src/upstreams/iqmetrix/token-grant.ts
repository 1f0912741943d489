import { UpstreamShapeError } from '../../errors.js';
import { isRecord } from '../shape.js';

/** A token grant (`POST /oauth2/token`): a lifetime of `expiresInSeconds`, counted from the request. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string | undefined;
  expiresInSeconds: number;
}

/** The token route's wire → domain. */
export function toTokenGrant(body: unknown): TokenGrant {
  if (!isRecord(body) || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number' || !(body.expires_in > 0)) {
    throw new UpstreamShapeError('no access_token and positive expires_in');
  }
  return {
    accessToken: body.access_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    expiresInSeconds: body.expires_in,
  };
}
