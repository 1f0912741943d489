import type { Company, PartnerRelationshipPage } from '../../domain/types.js';
import type { UpstreamCaller } from '../call.js';
import { toCompany, toPartnerRelationshipPage } from './mapping.js';
import { IQMETRIX_MAX_TOP, iqmetrixPaths } from './paths.js';

export const IQMETRIX_ROUTES = {
  partnerCompanyRelationships: 'GET /Partners({id})/Relationships/Companies',
  company: 'GET /Companies({id})',
} as const;

/** The iQmetrix Entity Manager endpoints the graph reads, for one operation's credential. */
export class IqmetrixClient {
  constructor(private readonly caller: UpstreamCaller) {}

  getPartnerRelationships(partnerId: number, skip: number, top: number): Promise<PartnerRelationshipPage> {
    if (top < 0 || top > IQMETRIX_MAX_TOP || skip < 0) throw new RangeError(`invalid page: skip=${skip} top=${top}`);
    return this.caller.get(IQMETRIX_ROUTES.partnerCompanyRelationships, iqmetrixPaths.partnerCompanyRelationships(partnerId, skip, top), (body) =>
      toPartnerRelationshipPage(body, skip, top),
    );
  }

  getCompany(companyId: number): Promise<Company> {
    return this.caller.get(IQMETRIX_ROUTES.company, iqmetrixPaths.company(companyId), toCompany);
  }
}
