import type { Company, PartnerRelationshipPage } from '../../domain/types.js';
import type { UpstreamTransport } from '../../http/transport.js';
import { getMapped, type CallContext } from '../call.js';
import type { CredentialSource } from '../credentials.js';
import { toCompany, toPartnerRelationshipPage } from './mapping.js';
import { IQMETRIX_MAX_TOP, iqmetrixPaths } from './paths.js';

export const IQMETRIX_ROUTES = {
  partnerCompanyRelationships: 'GET /Partners({id})/Relationships/Companies',
  company: 'GET /Companies({id})',
} as const;

/** The iQmetrix Entity Manager endpoints the graph reads, for one operation's credential. */
export class IqmetrixClient {
  constructor(
    private readonly transport: UpstreamTransport,
    private readonly credentials: CredentialSource,
    private readonly context: CallContext,
  ) {}

  getPartnerRelationships(partnerId: number, skip: number, top: number): Promise<PartnerRelationshipPage> {
    if (top < 0 || top > IQMETRIX_MAX_TOP || skip < 0) throw new RangeError(`invalid page: skip=${skip} top=${top}`);
    return getMapped(
      this.transport,
      this.credentials,
      this.context,
      { route: IQMETRIX_ROUTES.partnerCompanyRelationships, path: iqmetrixPaths.partnerCompanyRelationships(partnerId, skip, top) },
      (body) => toPartnerRelationshipPage(body, skip, top),
    );
  }

  getCompany(companyId: number): Promise<Company> {
    return getMapped(this.transport, this.credentials, this.context, { route: IQMETRIX_ROUTES.company, path: iqmetrixPaths.company(companyId) }, toCompany);
  }
}
