/** Slice 2 of the fuzz campaign (see `_support/campaign.ts`; `npm run fuzz -- --help` for long campaigns). */
import { defineCampaignSlice } from './_support/campaign.js';

defineCampaignSlice(2, 'test/fuzz/campaign-2.test.ts');
