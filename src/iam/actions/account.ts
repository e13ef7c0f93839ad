/**
 * GetAccountSummary: the counts and quotas of the caller's account.
 */
import { action } from '../protocol.js';
import { on } from '../shapes.js';

export const GetAccountSummary = action({
  name: 'GetAccountSummary',
  permissions: () => on('iam:GetAccountSummary'),
  run: (ctx, req) => {
    const summary = ctx.services.iam.summary(req.principal.account);
    return { SummaryMap: { entry: Object.entries(summary).map(([key, value]) => ({ key, value })) } };
  },
});
