/** Slice 6 of the fuzz campaign (see `_support/campaign.ts`; `npm run fuzz -- --help` for long campaigns). */
import { defineCampaignSlice } from './_support/campaign.js';

defineCampaignSlice(6, 'test/fuzz/campaign-6.test.ts');
